import Foundation

/// In-process fan-out of database notifications. Waiters pass the generation they last saw, so a
/// notification that lands between "read the table" and "start waiting" is never lost.
public actor NotificationHub {
    private var generations: [String: UInt64] = [:]
    /// Each waiter's continuation and the task that ends its wait at the timeout (cancelled when
    /// a post ends it first, so thousands of streams do not leave thousands of sleepers behind).
    private var waiters: [String: [UUID: (continuation: CheckedContinuation<Bool, Never>, timer: Task<Void, Never>)]] = [:]

    public init() {}

    public func generation(of key: String) -> UInt64 { generations[key, default: 0] }

    public func post(_ key: String) {
        generations[key, default: 0] &+= 1
        guard let waiting = waiters.removeValue(forKey: key) else { return }
        for waiter in waiting.values {
            waiter.timer.cancel()
            waiter.continuation.resume(returning: true)
        }
    }

    /// Wakes every waiter (after a listener reconnect, when notifications may have been missed, or at shutdown).
    public func postAll() {
        for key in Array(waiters.keys) { post(key) }
    }

    /// Returns true when `key` was posted after `seen`, false on timeout or cancellation.
    public func wait(for key: String, after seen: UInt64, timeout: Duration) async -> Bool {
        if generations[key, default: 0] != seen { return true }
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let timer = Task { [weak self] in
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    await self?.expire(key: key, id: id)
                }
                waiters[key, default: [:]][id] = (continuation, timer)
            }
        } onCancel: {
            Task { [weak self] in await self?.expire(key: key, id: id) }
        }
    }

    private func expire(key: String, id: UUID) {
        guard let waiter = waiters[key]?.removeValue(forKey: id) else { return }
        waiter.timer.cancel()
        waiter.continuation.resume(returning: false)
    }
}
