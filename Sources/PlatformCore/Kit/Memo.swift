import Synchronization

/// Values computed at most once per process for each key: what reflection derives from types,
/// which cannot change while the process runs. A process that builds many platforms (the tests)
/// then pays for it once.
final class Memo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let values = Mutex<[Key: Value]>([:])

    func value(_ key: Key, _ make: () throws -> Value) rethrows -> Value {
        if let known = values.withLock({ $0[key] }) { return known }
        let made = try make()
        values.withLock { $0[key] = made }
        return made
    }
}
