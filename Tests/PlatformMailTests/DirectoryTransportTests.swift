import Foundation
import PlatformMail
import Testing

@Test func directoryTransportWritesReadableFilesInSendOrder() async throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("mail-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let directory = root.appendingPathComponent("outbox")  // does not exist yet
    let transport = DirectoryTransport(directory: directory)

    let subjects = (1...5).map { "Message \($0) — ünïcode" }
    for subject in subjects {
        try await transport.send(sampleMessage(subject: subject, text: "Text of \(subject)\n"))
    }

    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(files.count == 5, "no temporary files left behind: \(files)")
    #expect(files.allSatisfy { $0.hasSuffix(".eml") })
    #expect(files.allSatisfy { $0.range(of: #"^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{8}\.eml$"#, options: .regularExpression) != nil })

    let stored = try DirectoryTransport.list(directory: directory)
    #expect(stored.map(\.message.subject) == subjects)
    #expect(stored.map(\.url.lastPathComponent) == files.sorted())
    #expect(stored.map(\.message.text) == subjects.map { "Text of \($0)\n" })
    let onDisk = try String(contentsOf: stored[0].url, encoding: .utf8)
    #expect(onDisk == sampleMessage(subject: subjects[0], text: "Text of \(subjects[0])\n").rendered())
}

@Test func listingAMissingDirectoryFindsNothing() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString)")
    #expect(try DirectoryTransport.list(directory: directory).isEmpty)
}

@Test func listingRejectsAFileThatIsNoMessage() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mail-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data("not a message".utf8).write(to: directory.appendingPathComponent("junk.eml"))
    #expect(throws: DirectoryTransport.UnreadableMail.self) { try DirectoryTransport.list(directory: directory) }
}
