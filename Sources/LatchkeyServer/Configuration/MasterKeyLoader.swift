import Foundation
import LatchkeyCrypto
import Logging

/// Finds the master key: `master-key` (env `LATCHKEY_MASTER_KEY`), then `master-key-file`, then — only
/// outside production — a development key file in the data directory, created with mode 0600. Previous keys
/// (`master-key-previous`, `master-key-previous-file`) join it in the ring, read but never written with.
enum MasterKeyLoader {
    static func load(_ configuration: LatchkeyConfiguration, logger: Logger) throws -> MasterKeyRing {
        let current = try loadCurrent(configuration, logger: logger)
        var previous: [MasterKey] = []
        if let value = configuration.masterKeyPrevious {
            previous += try parsePrevious(value, origin: "master-key-previous (LATCHKEY_MASTER_KEY_PREVIOUS)")
        }
        if let path = configuration.masterKeyPreviousFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("master-key-previous-file: cannot read \(path); fix the path or remove the setting")
            }
            previous += try parsePrevious(String(decoding: data, as: UTF8.self), origin: "master-key-previous-file \(path)")
        }
        do {
            return try MasterKeyRing(current: current, previous: previous)
        } catch let error as MasterKeyError {
            throw ConfigurationError("master-key-previous: \(error.description)")
        }
    }

    /// Keys separated by commas, spaces or newlines; blank entries ignored. An error names the entry, never its text.
    static func parsePrevious(_ text: String, origin: String) throws -> [MasterKey] {
        let entries = text.split(whereSeparator: { $0 == "," || $0.isWhitespace })
        return try entries.enumerated().map { index, entry in
            do {
                return try MasterKey(base64: String(entry))
            } catch let error as MasterKeyError {
                throw ConfigurationError("\(origin): entry #\(index + 1): \(error.description)")
            }
        }
    }

    static func loadCurrent(_ configuration: LatchkeyConfiguration, logger: Logger) throws -> MasterKey {
        if let value = configuration.masterKey {
            return try wrap("LATCHKEY_MASTER_KEY") { try MasterKey(base64: value) }
        }
        if let path = configuration.masterKeyFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError("cannot read the master key file \(path)")
            }
            return try wrap(path) { try MasterKey(base64: String(decoding: data, as: UTF8.self)) }
        }
        guard !configuration.production else {
            throw ConfigurationError("production mode needs LATCHKEY_MASTER_KEY or --master-key-file")
        }
        let path = configuration.dataDirectory + "/dev-master.key"
        if let data = FileManager.default.contents(atPath: path) {
            logger.warning("using the DEVELOPMENT master key file; never use it in production", metadata: ["path": "\(path)"])
            return try wrap(path) { try MasterKey(base64: String(decoding: data, as: UTF8.self)) }
        }
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let key = MasterKey.generate()
        guard FileManager.default.createFile(
            atPath: path, contents: Data((key.base64 + "\n").utf8), attributes: [.posixPermissions: 0o600]
        ) else {
            throw ConfigurationError("cannot create the development master key file \(path)")
        }
        logger.warning(
            "created a DEVELOPMENT master key file (mode 0600). It is for development only: production needs LATCHKEY_MASTER_KEY or --master-key-file",
            metadata: ["path": "\(path)"]
        )
        return key
    }

    private static func wrap(_ origin: String, _ body: () throws -> MasterKey) throws -> MasterKey {
        do {
            return try body()
        } catch let error as MasterKeyError {
            throw ConfigurationError("\(origin): \(error.description)")
        }
    }
}
