import HTTPTypes
import Hummingbird
import NIOCore

/// One `text/event-stream` frame. Multi-line data is split into several `data:` lines, as the format requires.
public struct ServerSentEvent: Sendable, Equatable {
    public var id: String?
    public var event: String?
    public var data: String

    public init(id: String? = nil, event: String? = nil, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }

    public var encoded: String {
        var frame = ""
        if let id { frame += "id: \(id)\n" }
        if let event { frame += "event: \(event)\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            frame += "data: \(line)\n"
        }
        return frame + "\n"
    }

    /// A comment frame: ignored by clients, keeps proxies from closing an idle stream.
    public static func comment(_ text: String) -> String { ": \(text)\n\n" }

    /// Parses frames out of a stream's text; used by readers and tests. Returns the complete
    /// events, how many comment-only frames (heartbeats) there were, and the unconsumed tail.
    public static func parse(_ text: String) -> (events: [ServerSentEvent], comments: Int, rest: String) {
        var events: [ServerSentEvent] = []
        var comments = 0
        var rest = Substring(text)
        while let range = rest.range(of: "\n\n") {
            let block = rest[..<range.lowerBound]
            rest = rest[range.upperBound...]
            var event = ServerSentEvent(data: "")
            var dataLines: [Substring] = []
            for line in block.split(separator: "\n") where !line.hasPrefix(":") {
                let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                let field = parts[0]
                var value = parts.count > 1 ? parts[1] : ""
                if value.hasPrefix(" ") { value = value.dropFirst() }
                switch field {
                case "id": event.id = String(value)
                case "event": event.event = String(value)
                case "data": dataLines.append(value)
                default: break
                }
            }
            guard !dataLines.isEmpty || event.id != nil else {
                if block.hasPrefix(":") { comments += 1 }
                continue
            }
            event.data = dataLines.joined(separator: "\n")
            events.append(event)
        }
        return (events, comments, String(rest))
    }
}

/// Where a reconnecting reader resumes: the `Last-Event-ID` header an EventSource sends, or
/// `?last_event_id=` for clients that cannot set headers.
public struct StreamPosition: QueryParameters {
    public let lastEventID: Int?

    enum CodingKeys: String, CodingKey { case lastEventID = "last_event_id" }

    /// The id to resume after; nil when the reader starts fresh.
    public func resumeAfter(_ request: Request) -> Int? {
        if let header = request.headers[HTTPField.Name("Last-Event-ID")!], let id = Int(header) { return id }
        return lastEventID
    }
}
