import Foundation
import LatchkeyServer
import LatchkeyTestSupport
import Testing
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
import LatchkeyStore

struct ConfigurationTests {
    static func resolve(_ values: [String: String]) throws -> LatchkeyConfiguration {
        var source = ConfigurationSource()
        for (key, value) in values { source.set(key, value, origin: "test") }
        return try LatchkeyConfiguration(source)
    }

    @Test("defaults: loopback issuer on 127.0.0.1:8080, SQLite in latchkey-data, development mode")
    func defaults() throws {
        let configuration = try Self.resolve([:])
        #expect(configuration.issuer.url == "http://127.0.0.1:8080")
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.database == .sqlite(path: "latchkey-data/latchkey.sqlite"))
        #expect(!configuration.production)
    }

    @Test("production fails closed", arguments: [
        ["issuer": "https://auth.example.com"],
        ["production": "true"],
        ["issuer": "http://auth.example.com", "master-key": "x"],
        ["production": "true", "master-key": MasterKeyFixture.base64],
        ["issuer": "https://auth.example.com", "dev": "true", "master-key": MasterKeyFixture.base64],
    ])
    func productionFailsClosed(values: [String: String]) {
        #expect(throws: ConfigurationError.self) { try Self.resolve(values) }
    }

    @Test("production with an https issuer and a master key starts")
    func productionAccepted() throws {
        let configuration = try Self.resolve(["issuer": "https://auth.example.com", "master-key": MasterKeyFixture.base64])
        #expect(configuration.production)
    }

    @Test("rejects malformed values with the setting's name", arguments: [
        ("port", "eighty"), ("port", "70000"), ("issuer", "https://auth.example.com/"), ("issuer", "https://a.example?x=1"),
        ("log-level", "loud"), ("production", "maybe"), ("registration-initial-access-token", "short"),
        ("database", "mysql://db/x"), ("access-token-lifetime", "5"), ("key-refresh-interval", "301"),
        ("resources", "not json"), ("resources", #"[{"uri":"ftp://x"}]"#), ("resources", #"[{"uri":"https://x.example","scopes":["nope"]}]"#),
        ("default-resource", "https://unconfigured.example"), ("registration-unused-client-ttl", "60"),
        ("registration-idle-client-ttl", "86400"), ("registration-max-clients", "-1"),
    ])
    func malformed(key: String, value: String) {
        #expect(throws: (any Error).self) { try Self.resolve([key: value]) }
    }

    @Test("a resource entry with a member it does not know is refused, naming the member")
    func strictResources() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try Self.resolve(["resources": #"[{"uri":"https://mcp.example.com/mcp","scope":["mcp:tools"]}]"#])
        }
        #expect(error.description.contains("'scope'"))
        let configuration = try Self.resolve(["resources": #"[{"uri":"https://mcp.example.com/mcp","name":"M","scopes":["mcp:tools"],"client_id":"m"}]"#])
        #expect(configuration.resources.resources.first?.clientID == "m")
    }

    @Test("precedence: flags over environment over config file over defaults")
    func precedence() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"port": 9000, "host": "127.0.0.1", "scopes": ["a", "b"], "jwks-max-age": 10}"#.utf8).write(to: file)
        var source = ConfigurationSource()
        try source.addFile(at: file.path)
        source.addEnvironment(["LATCHKEY_PORT": "9001", "LATCHKEY_JWKS_MAX_AGE": "20", "UNRELATED": "x"])
        source.set("port", "9002", origin: "--port")
        let configuration = try LatchkeyConfiguration(source)
        #expect(configuration.port == 9002)
        #expect(configuration.jwksMaxAge == 20)
        #expect(configuration.scopes == ["a", "b"])
        #expect(configuration.issuer.url == "http://127.0.0.1:9002")
    }

    @Test("a config file with an unknown setting is refused")
    func unknownSetting() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(#"{"prot": 9000}"#.utf8).write(to: file)
        var source = ConfigurationSource()
        #expect(throws: ConfigurationError.self) { try source.addFile(at: file.path) }
    }

    @Test("development creates a master key file readable only by its owner, and reuses it")
    func devMasterKey() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        let first = try await app.test { client, _ in try await client.execute(uri: "/jwks.json", method: .get).text }
        let path = app.directory.appendingPathComponent("dev-master.key").path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // The same key opens the same sealed signing keys on the next start.
        let second = try await app.test { client, _ in try await client.execute(uri: "/jwks.json", method: .get).text }
        #expect(first == second)
    }

    @Test("a wrong master key refuses to start instead of minting new keys")
    func wrongMasterKey() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        _ = try await app.test { _, _ in 0 }
        var other = app
        other.settings["master-key"] = MasterKeyFixture.base64
        await #expect(throws: (any Error).self) { try await other.test { _, _ in 0 } }
    }
}
