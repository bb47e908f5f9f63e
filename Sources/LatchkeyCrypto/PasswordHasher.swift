import HummingbirdBcrypt
import LatchkeyCore
import NIOPosix

/// bcrypt for user passwords, run off the async executor: one hash takes a noticeable fraction of a second
/// at cost 12, which would stall every other request sharing the cooperative thread pool.
public struct PasswordHasher: Sendable {
    public let cost: UInt8

    public init(cost: UInt8 = 12) {
        self.cost = cost
    }

    /// A fixed bcrypt hash checked when the user does not exist, so a missing account takes as long as a
    /// wrong password and login timing does not reveal which usernames exist.
    /// Computed once, on first use.
    static let decoy = Bcrypt.hash("latchkey decoy password", cost: 12)

    public func hash(_ password: String) async throws -> String {
        try Self.checkStrength(password)
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Verifies `password` against `hash`, or against a decoy when `hash` is nil.
    public func verify(_ password: String, hash: String?) async throws -> Bool {
        let target = hash ?? Self.decoy
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: target) }
        return matches && hash != nil
    }

    /// 8–72 bytes: bcrypt silently ignores bytes past 72.
    public static func checkStrength(_ password: String) throws {
        guard (8...72).contains(password.utf8.count) else { throw UserError.weakPassword }
    }
}
