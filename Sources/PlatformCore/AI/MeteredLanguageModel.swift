import Foundation
import Logging

/// The one way a tenant handler calls the language model. Every call, answered or not, is one row
/// in the workspace's `ai_calls` (purpose, provider, model, tokens in and out, latency, cost in
/// micro-USD, who asked). Without a configured provider every call is 503
/// `provider_not_configured`; a provider that refuses or fails is 502 `provider_error`; a reply that
/// is not its wire format, or not what was asked for, is 502 `provider_malformed_output` — never a 500.
///
///     let ai = MeteredLanguageModel(languageModel, context)
///     let reply = try await ai.complete(purpose: "channel.summarize", system: "Summarise…", user: transcript)
///     let (plan, _) = try await ai.completeJSON(Plan.self, purpose: "crm.analyze", system: "…Answer with JSON…", user: facts)
///
/// Declare `MeteredLanguageModel.errors` on the endpoint so the document lists those answers.
public struct MeteredLanguageModel: Sendable {
    let model: (any LanguageModel)?
    let context: TenantContext

    public init(_ model: (any LanguageModel)?, _ context: TenantContext) {
        self.model = model
        self.context = context
    }

    public var isConfigured: Bool { model != nil }

    public static let notConfigured = AppError(
        .serviceUnavailable, code: "provider_not_configured",
        message: "No AI provider is configured on this server (set AI_PROVIDER and its API key).")
    public static let providerFailed = AppError(.badGateway, code: "provider_error", message: "The AI provider failed to answer.")
    public static let malformedOutput = AppError(
        .badGateway, code: "provider_malformed_output", message: "The AI provider's answer is not in the expected format.")
    /// What a route calling the model may answer besides its own errors.
    public static let errors: [ErrorCase] = [ErrorCase(notConfigured), ErrorCase(providerFailed), ErrorCase(malformedOutput)]

    /// The model's text for `system` + `user`, metered under `purpose` (`crm.analyze`, `channel.summarize`).
    public func complete(purpose: String, system: String, user: String) async throws -> LanguageModelReply {
        try await call(purpose, LanguageModelPrompt(system: system, user: user)) { $0 }
    }

    /// Asks for a JSON object and decodes it as `T` (a Markdown code fence or prose around the
    /// object is tolerated). Anything else is 502 `provider_malformed_output`, metered as such.
    public func completeJSON<T: Decodable>(_ type: T.Type, purpose: String, system: String, user: String) async throws -> (value: T, reply: LanguageModelReply) {
        try await call(purpose, LanguageModelPrompt(system: system, user: user)) { (reply: LanguageModelReply) throws(OutputError) -> (value: T, reply: LanguageModelReply) in
            (try Self.decodeJSON(T.self, from: reply.text), reply)
        }
    }

    /// The JSON object in a model's text, decoded; nil when there is none or it does not fit `T`.
    public static func decodeJSON<T: Decodable>(_ type: T.Type, from text: String) throws(OutputError) -> T {
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let open = body.firstIndex(of: "{"), let close = body.lastIndex(of: "}"), open < close {
            body = String(body[open...close])
        } else {
            throw OutputError(detail: "the answer holds no JSON object")
        }
        do {
            return try JSONDecoder.platform.decode(T.self, from: Data(body.utf8))
        } catch {
            throw OutputError(detail: "the JSON does not fit: \(Self.describe(error))")
        }
    }

    public struct OutputError: Error, Sendable {
        public let detail: String
    }

    private func call<T>(_ purpose: String, _ prompt: LanguageModelPrompt, _ read: (LanguageModelReply) throws(OutputError) -> T) async throws -> T {
        guard let model else { throw Self.notConfigured }
        let started = ContinuousClock.now
        let reply: LanguageModelReply
        do {
            reply = try await model.complete(prompt)
        } catch {
            let elapsed = ContinuousClock.now - started
            let latency = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            let unreadable = if case .malformedResponse = error { true } else { false }
            try await record(purpose, model: model, usage: LanguageModelUsage(
                inputTokens: 0, outputTokens: 0, latencyMilliseconds: latency, model: model.model, costMicroUSD: nil),
                status: unreadable ? "malformed_output" : "failed", error: "\(error)")
            context.logger.warning("language model call failed", metadata: ["purpose": "\(purpose)", "error": "\(error)"])
            throw unreadable
                ? AppError(.badGateway, code: Self.malformedOutput.code, message: "The AI provider's answer could not be read: \(Self.clip("\(error)", 300))")
                : AppError(.badGateway, code: Self.providerFailed.code, message: "The AI provider failed to answer: \(Self.clip("\(error)", 300))")
        }
        let value: T
        do {
            value = try read(reply)
        } catch {
            try await record(purpose, model: model, usage: reply.usage, status: "malformed_output", error: error.detail)
            context.logger.warning("language model answered out of format", metadata: ["purpose": "\(purpose)", "error": "\(error.detail)"])
            throw AppError(.badGateway, code: Self.malformedOutput.code,
                           message: "The AI provider's answer is not in the expected format: \(Self.clip(error.detail, 300))")
        }
        try await record(purpose, model: model, usage: reply.usage, status: "succeeded", error: nil)
        return value
    }

    private func record(_ purpose: String, model: any LanguageModel, usage: LanguageModelUsage, status: String, error: String?) async throws {
        let apiKey: UUID? = if case .apiKey(let key) = context.principal { key.id } else { nil }
        try await context.db.execute("""
            INSERT INTO \(context.db.table("ai_calls"))
                (purpose, provider, model, status, input_tokens, output_tokens, latency_ms, cost_micro_usd, error, member_id, api_key_id)
            VALUES (\(purpose), \(Self.clip(model.provider, 50)), \(Self.clip(usage.model, 200)), \(status), \(max(0, usage.inputTokens)),
                    \(max(0, usage.outputTokens)), \(max(0, usage.latencyMilliseconds)), \(usage.costMicroUSD), \(error.map { Self.clip($0, 2000) }),
                    \(context.memberID), \(apiKey))
            """, logger: context.logger)
    }

    static func clip(_ text: String, _ limit: Int) -> String { text.count <= limit ? text : String(text.prefix(limit - 1)) + "…" }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [any CodingKey]) -> String { keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context.codingPath)) has the wrong type"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)) is invalid"
        @unknown default: return "\(error)"
        }
    }
}
