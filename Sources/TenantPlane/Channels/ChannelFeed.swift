import Foundation
import NIOCore
import PlatformCore

/// The events of busy channels, read once per change per process however many streams follow
/// them: when a post wakes 200 streams, the first asks the database and the others share its
/// answer, already framed for SSE.
actor ChannelFeed {
    /// One event, framed.
    struct Item: Sendable {
        let seq: Int64
        let kind: ChannelEvent.Kind
        let frame: ByteBuffer
    }

    /// What one read found: every event after `from` (up to `limit` of them) as of `generation`.
    struct Batch: Sendable {
        let from: Int64
        let generation: UInt64
        let items: [Item]
        let complete: Bool

        /// Whether this batch answers "after `seq`, as of at least `seen`".
        func covers(after seq: Int64, seen: UInt64) -> Bool {
            generation >= seen && seq >= from && (complete || seq < (items.last?.seq ?? from))
        }

        func after(_ seq: Int64) -> [Item] { items.filter { $0.seq > seq } }
    }

    static let limit = 500
    static let maximumChannels = 1_024

    private let hub: NotificationHub
    private var batches: [String: Batch] = [:]
    private var reads: [String: (from: Int64, generation: UInt64, task: Task<Batch, any Error>)] = [:]

    init(hub: NotificationHub) { self.hub = hub }

    /// The events after `seq` that `read` (events after a number, oldest first, at most `limit`)
    /// finds, as of the hub's generation `seen` or later.
    func events(_ key: String, after seq: Int64, seen: UInt64, read: @escaping @Sendable (Int64) async throws -> [Item]) async throws -> [Item] {
        if let batch = batches[key], batch.covers(after: seq, seen: seen) { return batch.after(seq) }
        if let pending = reads[key], pending.generation >= seen, seq >= pending.from {
            let batch = try await pending.task.value
            if batch.covers(after: seq, seen: seen) { return batch.after(seq) }
        }
        let generation = await hub.generation(of: key)
        let task = Task { () throws -> Batch in
            let items = try await read(seq)
            return Batch(from: seq, generation: generation, items: items, complete: items.count < Self.limit)
        }
        reads[key] = (seq, generation, task)
        defer { if reads[key]?.generation == generation, reads[key]?.from == seq { reads[key] = nil } }
        let batch = try await task.value
        if batches.count >= Self.maximumChannels, batches[key] == nil { batches.removeAll(keepingCapacity: true) }
        if (batches[key]?.generation ?? 0) <= generation { batches[key] = batch }
        return batch.after(seq)
    }

    /// Forgets a channel (deleted).
    func forget(_ key: String) { batches[key] = nil }
}
