import NIOCore

/// Runs Swift tasks on a NIO event loop, so a task that awaits futures of that loop resumes on the same thread
/// instead of hopping to the global executor and back after every statement.
///
/// SQLite has one connection, and a transaction holds it across all its statements: every thread hop between
/// them is time the connection is held and every other request waits. Running the connection's work on its
/// event loop removes half of those hops (see docs/architecture.md, "SQLite: one connection").
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    // Invariant for @unchecked: EventLoop is thread-safe; the executor holds nothing else.
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
