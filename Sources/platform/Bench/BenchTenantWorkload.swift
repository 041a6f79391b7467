@_spi(TenantProvisioning) import PlatformCore
import Foundation

/// One tenant as the workload addresses it: its recordset, its pipeline's stages, and a sample of
/// its records (enough to spread reads and writes, few enough that 1,000 tenants fit a wrk script).
struct BenchTenant: Sendable {
    let workspace: UUID
    let recordset: UUID
    let pipeline: UUID
    let stages: [UUID]
    let records: [UUID]
}

/// The mix, in one place: each operation's weight, its request in wrk's Lua, and the same work as
/// plain SQL for pgbench.
enum TenantOperation: CaseIterable {
    case get, filteredList, sortedList, create, patch, move

    static let cities = ["Paris", "Lyon", "Berlin", "Madrid", "Rome"]
    static let words = ["lead", "contacted", "proposal", "won"]
    static let pageSize = 20

    var weight: Int {
        switch self {
        case .get: 30
        case .filteredList, .sortedList: 20
        case .create, .patch, .move: 10
        }
    }

    var name: String {
        switch self {
        case .get: "get"
        case .filteredList: "list filtered by city"
        case .sortedList: "list by updated_at desc"
        case .create: "create"
        case .patch: "patch"
        case .move: "move"
        }
    }

    /// `column_filters={"city":"Paris"}`, percent-encoded.
    static let cityFilter = #"{"city":"Paris"}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!

    /// A Lua expression for the request; `t` is the tenant, `id` one of its records, `h` the headers.
    var lua: String {
        switch self {
        case .get:
            #"wrk.format("GET", "/api/v1/records/" .. id, h)"#
        case .filteredList:
            #"wrk.format("GET", "/api/v1/records?recordset_id=" .. t.rs .. "&column_filters=\#(Self.cityFilter)&limit=\#(Self.pageSize)", h)"#
        case .sortedList:
            #"wrk.format("GET", "/api/v1/records?recordset_id=" .. t.rs .. "&sort_by=updated_at&sort_order=desc&limit=\#(Self.pageSize)", h)"#
        case .create:
            #"wrk.format("POST", "/api/v1/records", h, '{"recordset_id":"' .. t.rs .. '","data":{"name":"New person","city":"' .. cities[math.random(#cities)] .. '","stage":"lead","amount":' .. math.random(10000) .. '}}')"#
        case .patch:
            #"wrk.format("PATCH", "/api/v1/records/" .. id, h, '{"data":{"amount":' .. math.random(10000) .. '}}')"#
        case .move:
            #"wrk.format("POST", "/api/v1/pipelines/" .. t.pl .. "/move", h, '{"record_id":"' .. id .. '","stage_id":"' .. t.st[math.random(#t.st)] .. '"}')"#
        }
    }

    /// The same operation on one tenant's tables, as a pgbench script: what a hand-written client
    /// would send, without the platform's access checks.
    func sql(_ tenant: BenchTenant) -> String {
        let records = SchemaName.tenant(tenant.workspace).table("records")
        let ids = "('{\(tenant.records.map(\.lowercased).joined(separator: ","))}'::uuid[])[:i]"
        let pick = "\\set i random(1, \(tenant.records.count))\n"
        let recordset = "recordset_id = '\(tenant.recordset.lowercased)' AND deleted_at IS NULL"
        switch self {
        case .get:
            return pick + "SELECT * FROM \(records) WHERE id = \(ids) AND deleted_at IS NULL;\n"
        case .filteredList:
            let filtered = "FROM \(records) WHERE \(recordset) AND data @> '{\"city\": \"Paris\"}'"
            return "SELECT count(*) \(filtered);\nSELECT * \(filtered) ORDER BY created_at, id LIMIT \(Self.pageSize);\n"
        case .sortedList:
            return "SELECT * FROM \(records) WHERE \(recordset) ORDER BY updated_at DESC, id DESC LIMIT \(Self.pageSize);\n"
        case .create:
            return """
                \\set n random(1, 10000)
                INSERT INTO \(records) (recordset_id, data) VALUES ('\(tenant.recordset.lowercased)',
                  jsonb_build_object('name', 'New person', 'city', 'Paris', 'stage', 'lead', 'amount', CAST(:n AS int))) RETURNING *;

                """
        case .patch:
            return pick + """
                \\set n random(1, 10000)
                UPDATE \(records) SET data = data || jsonb_build_object('amount', CAST(:n AS int)), last_change = 'updated'
                WHERE id = \(ids) AND deleted_at IS NULL RETURNING *;

                """
        case .move:
            return pick + """
                \\set k random(1, \(tenant.stages.count))
                UPDATE \(records) SET stage_id = ('{\(tenant.stages.map(\.lowercased).joined(separator: ","))}'::uuid[])[:k], last_change = 'moved'
                WHERE id = \(ids) AND deleted_at IS NULL RETURNING *;

                """
        }
    }

    /// A wrk script sending the mix, each request to a tenant picked at random.
    static func wrkScript(_ tenants: [BenchTenant], token: String) throws -> URL {
        func quoted(_ ids: [UUID]) -> String { ids.map { "\"\($0.lowercased)\"" }.joined(separator: ",") }
        let rows = tenants.map { t in
            "{ws=\(quoted([t.workspace])),rs=\(quoted([t.recordset])),pl=\(quoted([t.pipeline])),st={\(quoted(t.stages))},ids={\(quoted(t.records))}},"
        }
        var branches: [String] = []
        var threshold = 0
        for operation in allCases.dropLast() {
            threshold += operation.weight
            branches.append("  if roll <= \(threshold) then return \(operation.lua) end")
        }
        let lua = """
            local tenants = {
            \(rows.joined(separator: "\n"))
            }
            local cities = {\(cities.map { "\"\($0)\"" }.joined(separator: ","))}
            local threads = 0
            -- Each thread its own seed, or every thread would send the same sequence.
            function setup(thread)
              threads = threads + 1
              thread:set("seed", threads)
            end
            function init(args)
              math.randomseed(os.time() * 100 + seed)
            end
            function request()
              local t = tenants[math.random(#tenants)]
              local id = t.ids[math.random(#t.ids)]
              local h = {["Authorization"] = "Bearer \(token)", ["X-Workspace-Id"] = t.ws, ["Content-Type"] = "application/json"}
              local roll = math.random(\(allCases.map(\.weight).reduce(0, +)))
            \(branches.joined(separator: "\n"))
              return \(allCases.last!.lua)
            end
            """
        let file = FileManager.default.temporaryDirectory.appending(path: "bench-tenant-\(UUID().uuidString).lua")
        try lua.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// One pgbench script per tenant and operation, weighted so the mix is the wrk script's.
    static func pgbenchScripts(_ tenants: [BenchTenant]) throws -> [(file: URL, weight: Int)] {
        let folder = FileManager.default.temporaryDirectory.appending(path: "bench-tenant-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try tenants.enumerated().flatMap { index, tenant in
            try allCases.enumerated().map { number, operation in
                let file = folder.appending(path: "t\(index)-\(number).sql")
                try operation.sql(tenant).write(to: file, atomically: true, encoding: .utf8)
                return (file, operation.weight)
            }
        }
    }
}

