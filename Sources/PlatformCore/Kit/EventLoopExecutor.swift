import NIOCore
import PostgresNIO
import Synchronization

/// Runs a task's jobs on one NIO event loop.
final class EventLoopExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    private init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// The executor of `eventLoop` (one per loop, made on first use).
    static func of(_ eventLoop: any EventLoop) -> EventLoopExecutor {
        executors.withLock { executors in
            if let known = executors[ObjectIdentifier(eventLoop)] { return known }
            let made = EventLoopExecutor(eventLoop)
            executors[ObjectIdentifier(eventLoop)] = made
            return made
        }
    }

    private static let executors = Mutex<[ObjectIdentifier: EventLoopExecutor]>([:])
}

extension PostgresConnection {
    /// Runs `body`, which sends one statement on this connection first thing, on the connection's
    /// event loop. PostgresNIO never answers a statement written to a connection that has closed (the write
    /// fails unseen and the answer's promise is dropped), and a pool that stops closes its leased
    /// connections too. A connection closes on its event loop, so there the check below and
    /// PostgresNIO's write happen in one turn of the loop: a statement is either refused here or
    /// answered (or failed) by the connection.
    func sending<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(EventLoopExecutor.of(eventLoop)) {
            guard !isClosed else { throw ConnectionClosed() }
            return try await body()
        }
    }
}
