import Foundation
import Synchronization
import Testing

/// Where each running test's platform is: making its database, starting, running the test,
/// stopping, dropping the database. A phase that lasts over ninety seconds prints every test's
/// phase once, so a run that stalls says which tests stalled and where.
enum TestPhases {
    struct Entry {
        let test: String
        var phase: String
        var since: ContinuousClock.Instant
        var reported = false
    }

    private static let entries = Mutex<[UUID: Entry]>([:])
    private static let limit: Duration = .seconds(90)
    private static let watchdog: Task<Void, Never> = Task.detached {
        while true {
            try? await Task.sleep(for: .seconds(10))
            let report: String? = entries.withLock { entries in
                let now = ContinuousClock.now
                guard entries.values.contains(where: { !$0.reported && now - $0.since > limit }) else { return nil }
                for id in entries.keys where now - entries[id]!.since > limit { entries[id]!.reported = true }
                return entries.values.sorted { $0.since < $1.since }
                    .map { "  \($0.test): \($0.phase) for \(Int((now - $0.since).components.seconds)) s" }.joined(separator: "\n")
            }
            if let report { print("test watchdog: a test has been in one phase over \(limit); every running test:\n\(report)") }
        }
    }

    /// Starts tracking a test's platform; `move` moves it on, `end` forgets it.
    static func begin(_ phase: String) -> UUID {
        _ = watchdog
        let id = UUID()
        let name = Test.current.map { "\($0.name)" } ?? "?"
        entries.withLock { $0[id] = Entry(test: name, phase: phase, since: .now) }
        return id
    }

    static func move(_ id: UUID, to phase: String) {
        entries.withLock {
            $0[id]?.phase = phase
            $0[id]?.since = .now
            $0[id]?.reported = false
        }
    }

    static func end(_ id: UUID) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }
}
