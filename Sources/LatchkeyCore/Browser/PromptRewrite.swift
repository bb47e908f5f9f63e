/// Rewrites the `prompt` parameter of a raw `/authorize` query, keeping every other parameter byte for byte.
///
/// After a login forced by `prompt=login` the browser returns to `/authorize` without `login` (or it would be
/// asked again forever); "switch account" returns with `login` added.
public enum PromptRewrite {
    public static func removingLogin(_ query: Substring) throws -> String {
        try rewrite(query) { $0.filter { $0 != "login" } }
    }

    public static func addingLogin(_ query: Substring) throws -> String {
        try rewrite(query) { ($0.filter { $0 != "none" && $0 != "login" }) + ["login"] }
    }

    static func rewrite(_ query: Substring, _ transform: ([String]) -> [String]) throws -> String {
        var pairs: [String] = []
        var current: [String] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if try FormParameters.decode(parts[0]) == "prompt" {
                current = try FormParameters.decode(parts.count == 2 ? parts[1] : "").split(separator: " ").map(String.init)
            } else {
                pairs.append(String(pair))
            }
        }
        let prompt = transform(current)
        if !prompt.isEmpty { pairs.append("prompt=" + AuthorizationResponse.percentEncode(prompt.joined(separator: " "))) }
        return pairs.joined(separator: "&")
    }
}
