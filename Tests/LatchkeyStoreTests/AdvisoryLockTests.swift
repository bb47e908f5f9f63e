@testable import LatchkeyStore
import SQLKit
import Testing

struct AdvisoryLockTests {
    static let locks: [AdvisoryLock] = [.migrations, .signingKeys, .refreshFamily("f1")]

    /// Held by one instance, a lock blocks exactly its own (class, object) pair in the two-key space: not the same
    /// object number in the one-key space (where the migrator's lock used to be), nor under another purpose.
    @Test(
        "each lock takes its own class and object, apart from the one-key space and other purposes",
        .enabled(if: TestEngine.available.contains(.postgres)), arguments: locks
    )
    func keySpace(lock: AdvisoryLock) async throws {
        try await withTestDatabase(.postgres, instances: 2) { databases in
            try await databases[0].withTransaction { db in
                try await lock.acquire(in: db)
                let objectID: Int32 = switch lock.object {
                case .only: 0
                case .hashOf(let id): try await db.raw("SELECT hashtext(\(bind: id)) AS h").first()!.decode(column: "h", as: Int32.self)
                }
                let classID = lock.purpose.rawValue
                let otherClass = lock.purpose == .migrations ? AdvisoryLock.Purpose.refreshFamily : .migrations
                let taken = try await databases[1].withSession { other in
                    [
                        try await Self.tryLock("\(classID), \(objectID)", on: other),
                        try await Self.tryLock("\(otherClass.rawValue), \(objectID)", on: other),
                        try await Self.tryLock("\(objectID)", on: other),
                        try await Self.tryLock("\(classID)", on: other),
                    ]
                }
                // Its own pair is held; the same numbers under another class or in the one-key space are free.
                #expect(taken == [false, true, true, true])
            }
        }
    }

    /// Outside a transaction, so a lock taken here is released at once.
    static func tryLock(_ keys: String, on db: any SQLDatabase) async throws -> Bool {
        try await db.raw("SELECT pg_try_advisory_xact_lock(\(unsafeRaw: keys)) AS taken").first()!.decode(column: "taken", as: Bool.self)
    }
}
