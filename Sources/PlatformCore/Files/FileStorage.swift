import Dispatch
import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where uploaded files live, by key: a relative path such as `avatars/3f2a.png`.
public protocol FileStorage: Sendable {
    /// Replaces whatever the key held.
    func put(_ data: Data, key: String) async throws
    /// nil when the key holds nothing.
    func get(key: String) async throws -> Data?
    /// Deleting a key that holds nothing is not an error.
    func delete(key: String) async throws
}

extension FileStorage {
    public func put(_ bytes: [UInt8], key: String) async throws {
        try await put(Data(bytes), key: key)
    }
}

public enum FileStorageError: Error, Equatable, Sendable {
    /// Keys are `/`-separated segments of `A-Z a-z 0-9 . _ -`, none empty or starting with a dot.
    case invalidKey(String)
}

/// Files under a root directory, a key's segments being the folders and file name below it.
///
/// A key's segments may not start with a dot: that rules out `.` and `..`, and keeps keys apart from
/// the hidden temporary files that make writes atomic (written in the target's folder, then renamed
/// over it). Folders are created 0700 and files 0600.
///
/// The blocking file calls run on a private serial dispatch queue, not on the caller's executor: a
/// serial queue is served by an overcommitting thread, so a slow disk holds that thread rather than
/// one of Swift concurrency's cooperative pool. The price is one operation at a time per storage,
/// which suits small files such as avatars.
public struct LocalFileStorage: FileStorage {
    public let root: URL
    private let queue: DispatchQueue

    /// `root`: a file URL; the directory is created on the first write if it does not exist.
    public init(root: URL) {
        self.root = root
        queue = DispatchQueue(label: "LocalFileStorage")
    }

    public func put(_ data: Data, key: String) async throws {
        let (folder, name) = try locate(key)
        try await onQueue { try store(data, folder: folder, name: name) }
    }

    public func get(key: String) async throws -> Data? {
        let (folder, name) = try locate(key)
        return try await onQueue { try load(folder + "/" + name) }
    }

    public func delete(key: String) async throws {
        let (folder, name) = try locate(key)
        try await onQueue {
            // unlink, unlike FileManager.removeItem, never empties a folder a key happens to name.
            if unlink(folder + "/" + name) != 0, errno != ENOENT, errno != ENOTDIR {
                throw IOError(errnoCode: errno, reason: "unlink")
            }
        }
    }

    static let maxKeyBytes = 1024

    /// The folder path and file name a key stands for, once the key is known to be safe.
    private func locate(_ key: String) throws(FileStorageError) -> (folder: String, name: String) {
        guard !key.isEmpty, key.utf8.count <= Self.maxKeyBytes else { throw .invalidKey(key) }
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        for segment in segments {
            guard !segment.isEmpty, segment.utf8.count <= 255, segment.first != ".",
                  segment.utf8.allSatisfy(Self.isKeyCharacter)
            else { throw .invalidKey(key) }
        }
        guard let name = segments.last else { throw .invalidKey(key) }
        let folder = ([root.path] + segments.dropLast().map(String.init)).joined(separator: "/")
        return (folder, String(name))
    }

    private static func isKeyCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result(catching: work)) }
        }
    }

    private func store(_ data: Data, folder: String, name: String) throws {
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = folder + "/.upload-" + UUID().uuidString
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "open") }
        do {
            defer { close(descriptor) }
            try data.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress else { return }
                var offset = 0
                while offset < buffer.count {
                    let written = write(descriptor, base + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw IOError(errnoCode: errno, reason: "write")
                    }
                    offset += written
                }
            }
            // Without it a crash soon after the rename can leave the key naming an empty file.
            guard fsync(descriptor) == 0 else { throw IOError(errnoCode: errno, reason: "fsync") }
            guard rename(temporary, folder + "/" + name) == 0 else { throw IOError(errnoCode: errno, reason: "rename") }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    private func load(_ path: String) throws -> Data? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw IOError(errnoCode: errno, reason: "open")
        }
        defer { close(descriptor) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw IOError(errnoCode: errno, reason: "read")
            }
            if count == 0 { return data }
            data.append(contentsOf: chunk[..<count])
        }
    }
}
