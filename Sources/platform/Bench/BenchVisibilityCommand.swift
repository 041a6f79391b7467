@_spi(TenantProvisioning) import PlatformCore
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix
import PlatformServer
import PostgresNIO
import TenantPlane
import VisibilityEngine

/// A run of 1,000 items against the local fake provider answering at once: items per second
/// through the whole pipeline (claim, call, analyse, store, score) from `POST …/runs` to the run's
/// end, beside the engine's bare analysis of the same answers and beside pgbench doing each item's
/// database work (claim, store, meter, count) on as many connections as the run's workers. Then 50
/// identical `POST …/runs` at once under one `Idempotency-Key`: how many runs and debits came of it.
struct BenchVisibilityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visibility",
        abstract: "A 1,000-item visibility run against the local fake provider, beside the bare engine and raw PostgreSQL; 50 concurrent idempotent POSTs.")

    @Option(help: "Queries in the project (one provider, one repetition: one item each).") var items = 1_000
    @Option(help: "Concurrent identical POSTs sharing one Idempotency-Key.") var posts = 50
    @Flag(help: "Keep the scratch database afterwards, to look into.") var keepDatabase = false

    func validate() throws {
        guard (10...10_000).contains(items), posts >= 2 else { throw ValidationError("--items must be 10 to 10,000 and --posts at least 2.") }
    }

    struct Pipeline: Sendable {
        let seconds: Double
        let status: String
        let completed: Int
        let analysisSeconds: Double
        let raw: Double
        let workers: Int
    }

    struct Idempotency: Sendable {
        let statuses: [Int: Int]
        let runs: Int
        let debits: Int
    }

    func run() async throws {
        let logger = Runtime.makeLogger()
        let quiet = Runtime.makeLogger(level: .error)
        let base = try await Runtime.config(logger: logger)
        guard Bench.which("pgbench") != nil else { throw ValidationError("pgbench is not installed (apt-get install postgresql-client)") }
        let fake = try await FakeProviderServer.start(configuration: .init(brands: ["Acme", "Globex", "Initech"]))
        let (items, posts) = (items, posts)
        let workers = RunLimits().perRun
        _ = try await Bench.withScratchDatabase(base.database, keep: keepDatabase, logger: quiet) { url in
            var config = base
            config.database = url
            config.port = 0
            config.accessTokenLifetime = .seconds(24 * 3600)
            config.initialCredits = items * (posts + 2)
            config.visibility = VisibilitySettings(providers: [.init(name: .openai, model: "gpt-4o-mini", apiKey: "bench", baseURL: fake.baseURL)])
            let visibility = config.visibility
            return try await Bench.withPlatform(config, logger: quiet) { port in
                let (token, workspace) = try await BenchReadCommand.signUp(port: port)
                let api = BenchAPI(port: port, token: token)
                let (project, questions) = try await Self.project(api, workspace: workspace, queries: items)
                Bench.progress("project with \(items) queries; running")
                let started = ContinuousClock.now
                let run = try Self.decode(try await api.send("POST", "/api/v1/visibility/projects/\(project)/runs", workspace: workspace, body: "{}"))
                let finished = try await Self.wait(api, run: run["id"] as! String, workspace: workspace)
                let seconds = (ContinuousClock.now - started).inSeconds
                Bench.progress("run: \(finished["status"] ?? "?") in \(String(format: "%.2f", seconds)) s")
                let analysis = try await Self.bareAnalysis(questions, visibility: visibility)
                let raw = try await Self.raw(url: url, workspace: workspace, run: run["id"] as! String, workers: workers, logger: quiet)
                let pipeline = Pipeline(
                    seconds: seconds, status: finished["status"] as? String ?? "?", completed: finished["completed_results"] as? Int ?? 0,
                    analysisSeconds: analysis, raw: raw, workers: workers)
                let idempotency = try await Self.concurrentPosts(api, project: project, workspace: workspace, posts: posts)
                Self.report(items: items, posts: posts, pipeline: pipeline, idempotency: idempotency)
                return (pipeline, idempotency)
            }
        }
        try? await fake.shutdown()
    }

    static func decode(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw BenchError("not a JSON object") }
        return object
    }

    /// A project with its brand, two competitors and `queries` questions, over the API.
    static func project(_ api: BenchAPI, workspace: UUID, queries: Int) async throws -> (String, [String]) {
        let project = try decode(try await api.send("POST", "/api/v1/visibility/projects", workspace: workspace, body: """
            {"name":"Acme","brand_name":"Acme","website_url":"https://acme.com","setup_status":"COMPLETE","default_providers":["openai"]}
            """))["id"] as! String
        _ = try await api.send("PUT", "/api/v1/visibility/projects/\(project)/competitors", workspace: workspace, body: """
            {"competitors":[{"name":"Globex"},{"name":"Initech"}]}
            """)
        let questions = (0..<queries).map { "Which CRM should agency number \($0) choose for a team of \($0 % 50 + 2)?" }
        for first in stride(from: 0, to: queries, by: 200) {
            let batch = questions[first..<min(first + 200, queries)].map { #"{"text":"\#($0)"}"# }.joined(separator: ",")
            _ = try await api.send("POST", "/api/v1/visibility/projects/\(project)/queries", workspace: workspace, body: #"{"queries":[\#(batch)]}"#)
        }
        return (project, questions)
    }

    /// Polls the run every 20 ms until it has ended.
    static func wait(_ api: BenchAPI, run: String, workspace: UUID) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline {
            let shown = try decode(try await api.send("GET", "/api/v1/visibility/runs/\(run)", workspace: workspace))
            if let status = shown["status"] as? String, !["PENDING", "RUNNING"].contains(status) { return shown }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("the run did not end within 10 minutes")
    }

    /// The same answers from the fake provider, then the engine alone analysing them on one thread.
    static func bareAnalysis(_ questions: [String], visibility: VisibilitySettings) async throws -> Double {
        let provider = visibility.providers[0].answerProvider(visibility)
        let answers = try await withThrowingTaskGroup(of: AnalysisInput.self) { group in
            for question in questions { group.addTask { try await provider.answer(question).analysisInput(locale: "en-US") } }
            return try await group.reduce(into: [AnalysisInput]()) { $0.append($1) }
        }
        let analyzer = VisibilityAnalyzer(
            brand: BrandProfile(name: "Acme", aliases: [], domains: ["acme.com"]), competitors: [BrandProfile(name: "Globex"), BrandProfile(name: "Initech")])
        var checksum = 0
        for answer in answers { checksum &+= analyzer.analyze(answer).visibilityScore }  // warm-up
        let started = ContinuousClock.now
        for answer in answers { checksum &+= analyzer.analyze(answer).visibilityScore }
        let seconds = (ContinuousClock.now - started).inSeconds
        if checksum == Int.min { print(checksum) }
        return seconds
    }

    /// Each item's database work as plain SQL in pgbench, on `workers` connections: claim the next
    /// item (SKIP LOCKED), open its call row, store its answer and score, close the call, count it.
    static func raw(url: DatabaseURL, workspace: UUID, run: String, workers: Int, logger: Logger) async throws -> Double {
        let items = SchemaName.tenant(workspace).table("visibility_run_items")
        for statement in [
            """
            CREATE TABLE bench_raw_items AS
                SELECT id, seq, 'PENDING'::text AS status, 0 AS attempts, NULL::timestamptz AS started_at, answer_text AS answer_source,
                       NULL::text AS answer_text, NULL::smallint AS visibility_score, NULL::timestamptz AS completed_at
                FROM \(items) WHERE run_id = '\(run)'
            """,
            "ALTER TABLE bench_raw_items ADD PRIMARY KEY (id)",
            "CREATE INDEX ON bench_raw_items (seq) WHERE status IN ('PENDING', 'RUNNING')",
            """
            CREATE TABLE bench_raw_calls (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), item_id uuid, provider text, model text, status text,
                                          input_tokens int, output_tokens int, latency_ms int, created_at timestamptz DEFAULT now())
            """,
            "CREATE TABLE bench_raw_runs (id int PRIMARY KEY, completed_results int)",
            "INSERT INTO bench_raw_runs VALUES (1, 0)",
            "VACUUM ANALYZE bench_raw_items",
        ] {
            try await Bench.execute(statement, on: url, logger: logger)
        }
        let count = try await Bench.count("SELECT count(*)::int FROM bench_raw_items", on: url, logger: logger)
        let script = """
            UPDATE bench_raw_items SET status = 'RUNNING', attempts = attempts + 1, started_at = now()
            WHERE id = (SELECT id FROM bench_raw_items WHERE status = 'PENDING' ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id AS item \\gset
            INSERT INTO bench_raw_calls (item_id, provider, model, status) VALUES (:item, 'openai', 'gpt-4o-mini', 'started') RETURNING id AS call \\gset
            UPDATE bench_raw_items SET status = 'SUCCEEDED', answer_text = answer_source, visibility_score = 50, completed_at = now() WHERE id = :item;
            UPDATE bench_raw_calls SET status = 'succeeded', input_tokens = 40, output_tokens = 120, latency_ms = 1 WHERE id = :call;
            UPDATE bench_raw_runs SET completed_results = completed_results + 1 WHERE id = 1;

            """
        let file = FileManager.default.temporaryDirectory.appending(path: "bench-visibility-\(UUID().uuidString).sql")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let perClient = count / workers
        let result = try await NIOThreadPool.singleton.runIfActive {
            try Bench.runPgbench(url: url, scripts: [(file, 1)], connections: workers, threads: workers, limit: .transactions(perClient))
        }
        let done = try await Bench.count("SELECT count(*)::int FROM bench_raw_items WHERE status = 'SUCCEEDED'", on: url, logger: logger)
        guard done == perClient * workers else { throw BenchError("the raw baseline completed \(done) of \(perClient * workers) items") }
        return result.tps
    }

    /// `posts` identical POSTs at once with one key, on their own connections.
    static func concurrentPosts(_ api: BenchAPI, project: String, workspace: UUID, posts: Int) async throws -> Idempotency {
        let key = "bench-\(UUID().uuidString)"
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let answers: [(Int, String?)]
        do {
            answers = try await Self.post(client, api: api, project: project, workspace: workspace, key: key, posts: posts)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
        return try await Self.count(answers, api: api, project: project, workspace: workspace)
    }

    static func post(_ client: HTTPClient, api: BenchAPI, project: String, workspace: UUID, key: String, posts: Int) async throws -> [(Int, String?)] {
        try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for _ in 0..<posts {
                group.addTask {
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(api.port)/api/v1/visibility/projects/\(project)/runs")
                    request.method = .POST
                    request.headers.add(name: "Authorization", value: "Bearer \(api.token)")
                    request.headers.add(name: "X-Workspace-Id", value: workspace.lowercased)
                    request.headers.add(name: "Idempotency-Key", value: key)
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: #"{"name":"Once"}"#))
                    let response = try await client.execute(request, timeout: .seconds(60))
                    let body = Data(buffer: try await response.body.collect(upTo: 1 << 20))
                    let id = response.status == .created ? (try? decode(body))?["id"] as? String : nil
                    return (Int(response.status.code), id)
                }
            }
            return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
        }
    }

    /// How many runs and debits the answers made.
    static func count(_ answers: [(Int, String?)], api: BenchAPI, project: String, workspace: UUID) async throws -> Idempotency {
        let ids = Set(answers.compactMap(\.1))
        let runs = try decode(try await api.send("GET", "/api/v1/visibility/projects/\(project)/runs?limit=100", workspace: workspace))
        let listed = (runs["items"] as? [[String: Any]] ?? []).filter { ($0["name"] as? String) == "Once" }.count
        let statement = try decode(try await api.send("GET", "/api/v1/billing/credits?limit=100", workspace: workspace))
        let debits = (statement["items"] as? [[String: Any]] ?? []).filter { entry in
            entry["kind"] as? String == "debit" && ids.contains { (entry["reference"] as? String ?? "").contains($0) }
        }.count
        if let id = ids.first { _ = try? await api.send("POST", "/api/v1/visibility/runs/\(id)/cancel", workspace: workspace) }
        return Idempotency(statuses: Dictionary(answers.map { ($0.0, 1) }, uniquingKeysWith: +), runs: max(ids.count, listed), debits: debits)
    }

    static func report(items: Int, posts: Int, pipeline: Pipeline, idempotency: Idempotency) {
        let rate = Double(pipeline.completed) / pipeline.seconds
        let perItem = pipeline.seconds / Double(max(pipeline.completed, 1))
        let analysis = pipeline.analysisSeconds / Double(items)
        print("""

            AI-visibility run of \(items) items (one provider: the local fake, answering at once; \(pipeline.workers) claim loops)
            \(Bench.row(["", "items/s", "ms per item", "vs raw"]))
            \(Bench.row(["platform: POST to the run's end", String(format: "%.0f", rate), String(format: "%.3f", perItem * 1000), Bench.ratio(pipeline.raw, rate)]))
            \(Bench.row(["raw PostgreSQL (pgbench, \(pipeline.workers) connections)", String(format: "%.0f", pipeline.raw), String(format: "%.3f", 1000 / pipeline.raw), "1.00×"]))
            \(Bench.row(["engine analysis alone (one thread)", String(format: "%.0f", 1 / analysis), String(format: "%.3f", analysis * 1000), ""]))
            status \(pipeline.status), \(pipeline.completed) of \(items) items analysed
            platform overhead per item (wall time per item less the engine's analysis): \(String(format: "%.3f", (perItem - analysis) * 1000)) ms

            \(posts) concurrent POST …/runs with one Idempotency-Key
            answers: \(idempotency.statuses.sorted(by: { $0.key < $1.key }).map { "\($0.value) × \($0.key)" }.joined(separator: ", "))
            runs created: \(idempotency.runs), debits: \(idempotency.debits)
            """)
        fflush(nil)
    }
}
