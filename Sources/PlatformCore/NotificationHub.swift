import Foundation

/// In-process fan-out of database notifications. Waiters pass the generation they last saw, so a
/// notification that lands between "read the table" and "start waiting" is never lost.
public actor NotificationHub {
    private var generations: [String: UInt64] = [:]
    private var waiters: [String: [UUID: CheckedContinuation<Bool, Never>]] = [:]

    public init() {}

    public func generation(of key: String) -> UInt64 { generations[key, default: 0] }

    public func post(_ key: String) {
        generations[key, default: 0] &+= 1
        guard let waiting = waiters.removeValue(forKey: key) else { return }
        for continuation in waiting.values { continuation.resume(returning: true) }
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
                waiters[key, default: [:]][id] = continuation
                Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    await self?.expire(key: key, id: id)
                }
            }
        } onCancel: {
            Task { [weak self] in await self?.expire(key: key, id: id) }
        }
    }

    private func expire(key: String, id: UUID) {
        waiters[key]?.removeValue(forKey: id)?.resume(returning: false)
    }
}
