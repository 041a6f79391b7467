import Foundation
import Synchronization

/// Something that hears the database listener: whether it is listening, and each payload.
public protocol NotificationObserver: Sendable {
    /// Called with true once `LISTEN` holds, with false when its connection is lost.
    func listening(_ isListening: Bool)
    func notified(_ payload: String)
}

/// Answers about access (who a key is, what a principal may do in a workspace) kept for a few
/// seconds, so a tenant request spends its round trip on its own statement.
///
/// Every change to workspaces, members and keys notifies `access` (triggers on the control tables,
/// whoever makes the change); the listener then empties the cache. While the listener is not
/// connected nothing is cached, and an answer read before an emptying is not kept after it (the
/// epoch), so a revocation holds as soon as its notification arrives. A change made through this
/// process's control API empties the cache before the response too (`RouteTable`), so its next
/// request already sees it. Only answers that were found are kept: unknown keys cannot fill it.
public final class AccessCache<Key: Hashable & Sendable, Value: Sendable>: NotificationObserver {
    private struct State {
        var listening = false
        var epoch: UInt64 = 0
        var entries: [Key: (value: Value, expires: ContinuousClock.Instant)] = [:]
    }

    private let state = Mutex(State())
    private let lifetime: Duration
    private let capacity: Int

    public init(lifetime: Duration = .seconds(5), capacity: Int = 50_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The cached answer for `key`, or `load`'s (kept when found and still current).
    public func value(_ key: Key, load: () async throws -> Value?) async throws -> Value? {
        let now = ContinuousClock.now
        let (cached, epoch) = state.withLock { state -> (Value?, UInt64?) in
            guard state.listening else { return (nil, nil) }
            if let entry = state.entries[key], entry.expires > now { return (entry.value, nil) }
            return (nil, state.epoch)
        }
        if let cached { return cached }
        guard let loaded = try await load() else { return nil }
        if let epoch {
            state.withLock { state in
                guard state.listening, state.epoch == epoch else { return }
                if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
                state.entries[key] = (loaded, now + lifetime)
            }
        }
        return loaded
    }

    public func invalidate() {
        state.withLock { state in
            state.epoch &+= 1
            state.entries.removeAll(keepingCapacity: true)
        }
    }

    public func listening(_ isListening: Bool) {
        state.withLock { state in
            state.listening = isListening
            state.epoch &+= 1
            state.entries.removeAll(keepingCapacity: true)
        }
    }

    public func notified(_ payload: String) {
        if payload == DatabaseListener.accessChanged { invalidate() }
    }
}
