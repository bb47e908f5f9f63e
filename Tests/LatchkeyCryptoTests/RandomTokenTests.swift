import Foundation
import LatchkeyCore
import LatchkeyCrypto
import Testing

struct RandomTokenTests {
    static let base64URLAlphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    @Test("32 bytes become 43 base64url characters", arguments: [(32, 43), (16, 22), (48, 64), (1, 2)])
    func length(bytes: Int, characters: Int) {
        let token = RandomToken.generate(bytes: bytes)
        #expect(token.count == characters)
        #expect(Base64URL.decode(token)?.count == bytes)
    }

    @Test("the default is 256 bits in the base64url alphabet without padding")
    func defaultToken() {
        let token = RandomToken.generate()
        #expect(token.count == 43)
        #expect(token.allSatisfy(Self.base64URLAlphabet.contains))
    }

    @Test("tokens do not repeat")
    func unique() {
        let tokens = (0..<200).map { _ in RandomToken.generate() }
        #expect(Set(tokens).count == tokens.count)
        // 8,600 random characters miss a given one of the 64 with probability (63/64)^8600 ≈ e^-134, so this
        // shows '-' and '_' are used and '+', '/' and '=' never are.
        #expect(Set(tokens.joined()) == Self.base64URLAlphabet)
    }

    @Test("hex identifiers are lowercase, 2 characters per byte, and unique")
    func hex() {
        let id = RandomToken.hex()
        #expect(id.count == 32)
        #expect(id.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(RandomToken.hex(bytes: 8).count == 16)
        let ids = (0..<200).map { _ in RandomToken.hex() }
        #expect(Set(ids).count == ids.count)
    }
}
