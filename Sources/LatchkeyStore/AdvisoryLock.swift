import SQLKit

/// A PostgreSQL transaction-level advisory lock, named after what it serializes.
///
/// Every lock uses the two-key form, `pg_advisory_xact_lock(classid int4, objid int4)`: the class says what kind of
/// thing is locked and the object which one. The two-key form is a key space of its own, apart from the one-key
/// `bigint` form, and each purpose has its own class, so a family id whose hash happens to equal another purpose's
/// number can never contend with it. Held until the transaction ends; SQLite needs none (`BEGIN IMMEDIATE` already
/// serializes writers).
struct AdvisoryLock: Sendable, Equatable {
    /// What kind of thing is locked. The values are fixed: instances of different versions share a database, and
    /// only equal numbers exclude each other. "LK" in the high half marks them as Latchkey's, should another
    /// application share the database.
    enum Purpose: Int32, Sendable {
        case migrations = 0x4C4B_0001
        case signingKeys = 0x4C4B_0002
        case refreshFamily = 0x4C4B_0003
        case auditTrail = 0x4C4B_0004
    }

    /// Which one of its kind.
    enum Object: Sendable, Equatable {
        /// The only one: a purpose that needs a single lock.
        case only
        /// `hashtext` of an id, computed by PostgreSQL. Two ids may share a hash; they then merely wait for each other.
        case hashOf(String)
    }

    let purpose: Purpose
    let object: Object

    /// Instances that start at once migrate one after another.
    static let migrations = AdvisoryLock(purpose: .migrations, object: .only)
    /// Key changes across instances, so a racing first start sees the winner's keys.
    static let signingKeys = AdvisoryLock(purpose: .signingKeys, object: .only)

    /// Appends to and pruning of the audit trail's one chain.
    static let auditTrail = AdvisoryLock(purpose: .auditTrail, object: .only)

    /// Rotations and revocations of one refresh token family.
    static func refreshFamily(_ familyID: String) -> AdvisoryLock {
        AdvisoryLock(purpose: .refreshFamily, object: .hashOf(familyID))
    }

    /// The statement that takes the lock. The class is a literal from `Purpose` (never input), so the function
    /// resolves to its `(int4, int4)` form without a cast.
    var statement: SQLQueryString {
        let classID: SQLQueryString = "SELECT pg_advisory_xact_lock(\(unsafeRaw: String(purpose.rawValue)), "
        switch object {
        case .only:
            return classID + "0)"
        case .hashOf(let id):
            return classID + "hashtext(\(bind: id)))"
        }
    }

    /// Waits for the lock; PostgreSQL only.
    func acquire(in db: any SQLDatabase) async throws {
        try await db.raw(statement).run()
    }
}
