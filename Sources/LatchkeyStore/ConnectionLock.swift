import Synchronization

/// A first-come, first-served async lock: one task at a time uses a connection.
final class ConnectionLock: Sendable {
    struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let state = Mutex(State())

    func acquire() async {
        let free = state.withLock { state in
            if state.held { return false }
            state.held = true
            return true
        }
        if free { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if !state.held {
                    state.held = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Hands the lock to the longest waiter, or frees it.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
