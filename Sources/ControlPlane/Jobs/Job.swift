import Foundation
import PlatformCore

enum JobStatus: String, SchemaEnum {
    case queued = "QUEUED", running = "RUNNING", completed = "COMPLETED", failed = "FAILED"

    var isTerminal: Bool { self == .completed || self == .failed }
}

struct ClaimedJob: Row {
    let id: UUID
    let kind: String
    let payload: JSONValue
    let attempts: Int
    let maxAttempts: Int
    let workerID: String

    init(row: RowReader) throws {
        id = try row("id")
        kind = try row("kind")
        payload = try row("payload")
        attempts = try row("attempts")
        maxAttempts = try row("max_attempts")
        workerID = try row("worker_id")
    }
}

/// One row of `job_events`.
struct JobEvent: Row {
    let seq: Int
    let status: JobStatus
    let progress: Int
    let step: String?
    let message: String?
    let errorMessage: String?
    let createdAt: Date

    init(row: RowReader) throws {
        seq = try row("seq")
        status = JobStatus(rawValue: try row("status")) ?? .failed
        progress = try row("progress")
        step = try row("current_step")
        message = try row("message")
        errorMessage = try row("error_message")
        createdAt = try row("created_at")
    }
}

/// A job as its client sees it (`GET …/jobs/{job_id}`).
struct JobSnapshot: APIModel {
    let id: UUID
    let kind: String
    let workspaceID: UUID?
    let status: JobStatus
    let progress: Int
    let step: String?
    let message: String?
    var result: JSONValue?
    let errorCode: String?
    let errorMessage: String?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id = "job_id", kind, workspaceID = "workspace_id", status, progress, step = "current_step", message, result
        case errorCode = "error_code", errorMessage = "error_message", createdAt = "created_at", updatedAt = "updated_at"
    }

    static let example = JobSnapshot(
        id: UUID(uuidString: "c0ffee00-1234-4abc-8def-0123456789ab")!, kind: "migrate_workspace",
        workspaceID: UUID(uuidString: "3050b31f-7c1e-4d2a-9f5b-8e6d4c2b1a09")!, status: .running, progress: 60,
        step: "running_migrations", message: "Applying pending migrations", result: nil, errorCode: nil, errorMessage: nil,
        createdAt: Date(timeIntervalSince1970: 1_767_225_600), updatedAt: Date(timeIntervalSince1970: 1_767_225_601))
}

extension JobSnapshot: Row {
    init(row: RowReader) throws {
        id = try row("id")
        kind = try row("kind")
        workspaceID = try row("workspace_id")
        status = JobStatus(rawValue: try row("status")) ?? .failed
        progress = try row("progress")
        step = try row("current_step")
        message = try row("message")
        result = try row("result")
        errorCode = try row("error_code")
        errorMessage = try row("error_message")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }
}

/// A state change of a running job.
struct JobChange: Sendable {
    var status: JobStatus
    var progress: Int?
    var step: String?
    var message: String?
    var result: JSONValue?
    var errorCode: String?
    var errorMessage: String?
    var retryDelaySeconds: Double?

    static func progress(_ progress: Int, step: String, message: String) -> JobChange {
        JobChange(status: .running, progress: progress, step: step, message: message)
    }
    static func completed(result: JSONValue?, message: String) -> JobChange {
        JobChange(status: .completed, progress: 100, step: "completed", message: message, result: result)
    }
    static func failed(code: String, message: String) -> JobChange {
        JobChange(status: .failed, message: message, errorCode: code, errorMessage: message)
    }
    static func retry(after seconds: Double, error: String) -> JobChange {
        JobChange(status: .queued, message: "Retrying after an error: \(error)", errorMessage: error, retryDelaySeconds: seconds)
    }
}

/// Thrown when another worker owns the job now; the current worker must stop touching it.
struct JobLeaseLost: Error {
    let jobID: UUID
}

/// A failure that retrying cannot fix (bad input, a taken email): the job fails at once.
struct PermanentJobFailure: Error {
    let code: String
    let message: String
}

/// The 202 answer to a request that started a job: where to poll it and where to stream it, both
/// taken from the route table.
struct JobTicket: APIModel {
    let jobID: UUID
    let streamURL: String
    let statusURL: String

    init<B, Q, O, B2, Q2, O2>(jobID: UUID, status: Endpoint<B, Q, O>, stream: Endpoint<B2, Q2, O2>) {
        self.jobID = jobID
        self.statusURL = status.url(["job_id": jobID])
        self.streamURL = stream.url(["job_id": jobID])
    }

    enum CodingKeys: String, CodingKey { case jobID = "job_id", streamURL = "stream_url", statusURL = "status_url" }

    static let example = JobTicket(
        jobID: JobSnapshot.example.id, status: AuthController.signupJob, stream: AuthController.signupJobStream)
}
