import Foundation
import Hummingbird
import PlatformCore

enum JobStatus: String, Sendable, Codable {
    case queued = "QUEUED", running = "RUNNING", completed = "COMPLETED", failed = "FAILED"

    var isTerminal: Bool { self == .completed || self == .failed }
}

struct ClaimedJob: Sendable {
    let id: UUID
    let kind: String
    let payload: JSONValue
    let attempts: Int
    let maxAttempts: Int
    let workerID: String
}

/// One row of `job_events`.
struct JobEvent: Sendable {
    let seq: Int
    let status: JobStatus
    let progress: Int
    let step: String?
    let message: String?
    let errorMessage: String?
    let createdAt: Date
}

/// A job as its client sees it (`GET …/jobs/{id}`).
struct JobSnapshot: ResponseEncodable, Sendable {
    let id: UUID
    let kind: String
    let workspaceID: UUID?
    let status: JobStatus
    let progress: Int
    let step: String?
    let message: String?
    let result: JSONValue?
    let errorCode: String?
    let errorMessage: String?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id = "job_id", kind, workspaceID = "workspace_id", status, progress, step = "current_step", message, result
        case errorCode = "error_code", errorMessage = "error_message", createdAt = "created_at", updatedAt = "updated_at"
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

/// The 202 answer to a request that started a job: where to poll it and where to stream it.
struct JobTicket: ResponseEncodable, Sendable {
    let jobID: UUID
    let streamURL: String
    let statusURL: String

    init(jobID: UUID, under path: String) {
        self.jobID = jobID
        self.statusURL = "\(path)/\(jobID.uuidString.lowercased())"
        self.streamURL = statusURL + "/stream"
    }

    enum CodingKeys: String, CodingKey { case jobID = "job_id", streamURL = "stream_url", statusURL = "status_url" }
}
