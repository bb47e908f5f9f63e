import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LatchkeyCore
import LatchkeyResource
import MCP

/// `upstream_profile`: reads the caller's Demo Cloud profile with the upstream token Latchkey's vault holds for them.
///
/// The caller's Latchkey token (the subject token) goes to Latchkey only, never to the upstream; the upstream token
/// goes to the upstream only, never into the tool's answer. An upstream `401` gets one forced refresh and one retry.
/// When the user has not connected the provider (or must reconnect), the answer is a URL elicitation
/// (`-32042`) for a client that declared URL mode, otherwise a tool error carrying the same link.
struct UpstreamProfile: Sendable {
    static let entry = DemoTools.Entry(
        tool: Tool(
            name: "upstream_profile",
            title: "My Demo Cloud profile",
            description: "Read your Demo Cloud profile through Latchkey's vault. If you have not connected Demo Cloud yet, you get a link to connect it.",
            inputSchema: ["type": "object", "properties": [:]],
            annotations: .init(readOnlyHint: true, openWorldHint: true)
        ),
        requiredScopes: [DemoConfiguration.toolsScope]
    )

    let settings: DemoConfiguration.UpstreamExchange
    let tokens: UpstreamTokens
    let session: URLSession

    init(settings: DemoConfiguration.UpstreamExchange, transport: any TokenExchangeTransport, session: URLSession = .shared) {
        self.settings = settings
        self.tokens = UpstreamTokens(
            tokenEndpoint: settings.tokenEndpoint, clientID: settings.clientID, clientSecret: settings.clientSecret, transport: transport
        )
        self.session = session
    }

    func call(token: VerifiedToken, bearerToken: String?, supportsURLElicitation: Bool) async throws -> CallTool.Result {
        guard token.isUserToken, let bearerToken else {
            return Self.failure("upstream_profile acts for a user; this token has none (it was issued to a client for itself).")
        }
        do {
            var upstream = try await tokens.accessToken(for: bearerToken, provider: settings.provider, subjectExpiresAt: token.expiresAt)
            var answer = await profile(upstream)
            if answer.status == 401 {
                // The upstream refused a token that looked fresh (revoked, or expired early): one forced refresh.
                upstream = try await tokens.accessToken(
                    for: bearerToken, provider: settings.provider, subjectExpiresAt: token.expiresAt, forceRefresh: true
                )
                answer = await profile(upstream)
            }
            guard answer.status == 200, let object = try? JSONDecoder().decode([String: Value].self, from: answer.body) else {
                return Self.failure("\(settings.providerName) answered HTTP \(answer.status) to the profile request.")
            }
            let text = ["login", "plan", "repos"].compactMap { name in object[name].map { "\(name): \(Self.text($0))" } }.joined(separator: "\n")
            return CallTool.Result(
                content: [.text(text: "Your \(settings.providerName) profile\n" + text, annotations: nil, _meta: nil)],
                structuredContent: .object(object)
            )
        } catch .connectionRequired(let url, _, let status) {
            let action = status == "needs_reauth" ? "Reconnect" : "Connect"
            let message = "\(action) your \(settings.providerName) account to Latchkey, then try again."
            guard supportsURLElicitation else { return Self.failure("\(message) Open \(url)") }
            // MCP 2025-11-25 URL elicitation: the URL is Latchkey's connect page, already bound to this user.
            throw MCPError.urlElicitationRequired(message: message, elicitations: [
                URLElicitationInfo(elicitationId: RandomID.make(), url: url, message: message),
            ])
        } catch .temporarilyUnavailable(let retryAfter) {
            return Self.failure("\(settings.providerName) is temporarily unavailable; try again" + (retryAfter.map { " in \($0) seconds." } ?? " later."))
        } catch {
            return Self.failure("Could not get a \(settings.providerName) token: \(error.description).")
        }
    }

    struct Answer {
        var status: Int
        var body: Data
    }

    /// `GET {api}/api/profile` with the upstream token; a network failure counts as a `503`.
    func profile(_ upstream: UpstreamAccessToken) async -> Answer {
        var request = URLRequest(url: settings.apiBaseURL.appendingPathComponent("api/profile"), timeoutInterval: 10)
        request.setValue(upstream.authorization, forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        do {
            let (data, response) = try await session.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 502
            return Answer(status: status, body: data.count <= 64 * 1024 ? data : Data())
        } catch {
            return Answer(status: 503, body: Data())
        }
    }

    static func failure(_ text: String) -> CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: true)
    }

    static func text(_ value: Value) -> String {
        switch value {
        case .string(let string): string
        case .int(let int): String(int)
        default: "\(value)"
        }
    }
}

/// An opaque elicitation id.
enum RandomID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
