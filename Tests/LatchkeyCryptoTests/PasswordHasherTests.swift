import LatchkeyCore
import LatchkeyCrypto
import Testing

struct PasswordHasherTests {
    let hasher = PasswordHasher(cost: 4)

    @Test("hashes with bcrypt and verifies only the right password")
    func verify() async throws {
        let hash = try await hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$2"))
        #expect(!hash.contains("correct horse"))
        #expect(try await hasher.verify("correct horse battery", hash: hash))
        #expect(try await !hasher.verify("correct horse batterY", hash: hash))
    }

    @Test("an unknown user never verifies, whatever the password")
    func decoy() async throws {
        #expect(try await !hasher.verify("latchkey decoy password", hash: nil))
    }

    @Test("passwords must be 8 to 72 bytes", arguments: ["", "short", String(repeating: "a", count: 73)])
    func strength(password: String) async {
        await #expect(throws: UserError.weakPassword) { try await hasher.hash(password) }
    }
}
