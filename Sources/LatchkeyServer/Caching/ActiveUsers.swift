import LatchkeyCore
import Synchronization

/// Users found to exist and be enabled, remembered for `ttl`: the token exchange checks the subject token's user on
/// every call, and at thousands of calls a second that read dominated. As with `ClientCache`, a user disabled on
/// another instance (or by `latchkey users disable`) may still exchange for up to `ttl` (5 s by default; 0 turns it
/// off). Only active users are remembered, so probing cannot fill it.
final class ActiveUsers: Sendable {
    let users: any UserStore
    let ttl: Duration
    let capacity: Int
    let entries = Mutex<[String: ContinuousClock.Instant]>([:])

    init(users: any UserStore, ttl: Duration, capacity: Int = 10_000) {
        self.users = users
        self.ttl = ttl
        self.capacity = capacity
    }

    func isActive(_ id: String) async throws -> Bool {
        let now = ContinuousClock.now
        if ttl > .zero, let until = entries.withLock({ $0[id] }), until > now { return true }
        guard let user = try await users.user(id: id), !user.disabled else {
            _ = entries.withLock { $0.removeValue(forKey: id) }
            return false
        }
        guard ttl > .zero else { return true }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[id] = now + ttl
        }
        return true
    }
}
