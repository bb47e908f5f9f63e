import Foundation
import LatchkeyCore

/// Layers configuration values by precedence: defaults < config file < `LATCHKEY_*` environment < flags.
///
/// Every setting has one name (`registration-rate-limit`); the environment spells it
/// `LATCHKEY_REGISTRATION_RATE_LIMIT` and a JSON config file uses the name itself as the key.
public struct ConfigurationSource: Sendable {
    public private(set) var values: [String: String] = [:]
    /// Where each value came from, for error messages.
    public private(set) var origins: [String: String] = [:]

    public init() {}

    public static func environmentName(_ key: String) -> String {
        "LATCHKEY_" + key.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// Reads a flat JSON object. Unknown keys are errors, so a typo cannot silently leave a default in force.
    public mutating func addFile(at path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read the config file \(path)")
        }
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: data) else {
            throw ConfigurationError("the config file \(path) must hold one JSON object")
        }
        for (key, value) in object {
            guard LatchkeyConfiguration.keys.contains(key) else {
                throw ConfigurationError("the config file \(path) has an unknown setting '\(key)'; see docs/configuration.md")
            }
            let text: String
            switch value {
            case .string(let string): text = string
            case .bool(let flag): text = flag ? "true" : "false"
            case .number(let number) where number == number.rounded(): text = String(Int(number))
            case .array where key == "resources" || key == "providers":
                // A list of objects, kept as JSON text like LATCHKEY_RESOURCES.
                text = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
            case .array(let items) where items.allSatisfy({ if case .string = $0 { true } else { false } }):
                text = items.compactMap { if case .string(let item) = $0 { item } else { nil } }.joined(separator: " ")
            default: throw ConfigurationError("the setting '\(key)' in \(path) must be a string, integer, boolean or array of strings")
            }
            set(key, text, origin: path)
        }
    }

    public mutating func addEnvironment(_ environment: [String: String]) {
        for key in LatchkeyConfiguration.keys {
            let name = Self.environmentName(key)
            if let value = environment[name] { set(key, value, origin: name) }
        }
    }

    public mutating func set(_ key: String, _ value: String, origin: String) {
        values[key] = value
        origins[key] = origin
    }
}

public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
