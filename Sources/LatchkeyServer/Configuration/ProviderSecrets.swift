import Foundation
public import LatchkeyCore

/// The upstream providers' client secrets, read once at start from where `providers` says — an environment variable
/// or a file, never the configuration itself. A secret that is missing stops the server with a message naming the
/// provider and the variable or file, instead of failing later at a user's first connect.
struct ProviderSecrets: Sendable {
    let secrets: [String: String]

    func secret(for providerID: String) -> String? { secrets[providerID] }

    static func load(
        _ providers: [UpstreamProvider], environment: [String: String] = ProcessInfo.processInfo.environment,
        readFile: (String) -> Data? = { FileManager.default.contents(atPath: $0) }
    ) throws -> ProviderSecrets {
        var secrets: [String: String] = [:]
        for provider in providers {
            switch provider.secret {
            case .none:
                continue
            case .environment(let name):
                // Latchkey's own settings (the master key among them) are never sent to an upstream as a secret.
                guard !name.uppercased().hasPrefix("LATCHKEY_") else {
                    throw ConfigurationError("provider '\(provider.id)': client_secret_env may not name a LATCHKEY_ variable (\(name))")
                }
                guard let value = environment[name], !value.isEmpty else {
                    throw ConfigurationError(
                        "provider '\(provider.id)': the environment variable \(name) (its client_secret_env) is not set; set it to the client secret Latchkey has at \(provider.name)"
                    )
                }
                secrets[provider.id] = value
            case .file(let path):
                guard let data = readFile(path), data.count <= 4096, let text = String(data: data, encoding: .utf8) else {
                    throw ConfigurationError("provider '\(provider.id)': cannot read its client_secret_file \(path) (at most 4 KiB of UTF-8)")
                }
                // A trailing newline is how editors and `echo` end files; it is never part of a secret.
                let value = text.trimmingCharacters(in: .newlines)
                guard !value.isEmpty else { throw ConfigurationError("provider '\(provider.id)': its client_secret_file \(path) is empty") }
                secrets[provider.id] = value
            }
        }
        return ProviderSecrets(secrets: secrets)
    }
}

extension LatchkeyConfiguration {
    /// Whether `provider`'s client secret is readable now (`latchkey providers check`); throws the reason.
    public func checkSecret(of provider: UpstreamProvider) throws {
        _ = try ProviderSecrets.load([provider])
    }
}
