import Foundation
import PlatformCore

/// `/pipelines` (§2.14) and the recordset-side twins of §2.10 (`/recordsets/{recordset_id}/pipeline`).
struct PipelineController {
    static let notFound = PipelineRepository.notFound
    static let denied = RecordsetRepository.deniedCase
    static let recordsetNotFound = ErrorCase(RecordsetRepository.notFound)
    static let stageNotEmpty = ErrorCase(.conflict, "stage_not_empty")

    static let list = Endpoint(.get, "/api/v1/pipelines", "Pipelines of the recordsets the caller can see", returns: PipelineList.self)
    static let ofRecordset = Endpoint(
        .get, "/api/v1/pipelines/recordset/{recordset_id}", "A recordset's pipeline", returns: Pipeline.self, errors: [recordsetNotFound, ErrorCase(notFound)])
    static let recordsetPipeline = Endpoint(
        .get, "/api/v1/recordsets/{recordset_slug}/pipeline", "A recordset's pipeline (by slug or id)", returns: Pipeline.self,
        errors: [recordsetNotFound, ErrorCase(notFound)])
    static let show = Endpoint(.get, "/api/v1/pipelines/{pipeline_id}", "A pipeline and its stages", returns: Pipeline.self, errors: [ErrorCase(notFound)])
    static let data = Endpoint(
        .get, "/api/v1/pipelines/{pipeline_id}/data", "Records grouped by stage, paged per stage (limit, offset), then those in no stage",
        query: Page.self, returns: PipelineData.self, errors: [ErrorCase(notFound)])
    static let stats = Endpoint(
        .get, "/api/v1/pipelines/{pipeline_id}/stats", "Count and value per stage, and the conversion between stages", returns: PipelineStats.self,
        errors: [ErrorCase(notFound)])
    static let create = Endpoint(
        .post, "/api/v1/pipelines", "Create a pipeline for a recordset (recordset_id in the body)", body: Pipeline.New.self, returns: Pipeline.self,
        status: .created, errors: [recordsetNotFound, denied, ErrorCase(PipelineRepository.exists)])
    static let createForRecordset = Endpoint(
        .post, "/api/v1/pipelines/recordset/{recordset_id}", "Create a recordset's pipeline", body: Pipeline.New.self, returns: Pipeline.self,
        status: .created, errors: [recordsetNotFound, denied, ErrorCase(PipelineRepository.exists)])
    static let createOnRecordset = Endpoint(
        .post, "/api/v1/recordsets/{recordset_slug}/pipeline", "Create a recordset's pipeline (by slug or id)", body: Pipeline.New.self, returns: Pipeline.self,
        status: .created, errors: [recordsetNotFound, denied, ErrorCase(PipelineRepository.exists)])
    static let move = Endpoint(
        .post, "/api/v1/pipelines/{pipeline_id}/move", "Move a record to a stage (a new version of it)", body: Pipeline.Move.self,
        returns: Record.self, errors: [ErrorCase(notFound), ErrorCase(RecordRepository.notFound), denied])
    static let bulkMove = Endpoint(
        .post, "/api/v1/pipelines/{pipeline_id}/bulk-move", "Move several records to a stage: all or none", body: Pipeline.BulkMove.self,
        returns: Pipeline.Moved.self, errors: [ErrorCase(notFound), ErrorCase(RecordRepository.notFound), denied, ErrorCase(.forbidden, "bulk_move_refused")])
    static let replace = Endpoint(
        .put, "/api/v1/pipelines/{pipeline_id}", "Replace a pipeline's fields and stages", body: Pipeline.Replacement.self, returns: Pipeline.self,
        errors: [ErrorCase(notFound), denied, stageNotEmpty])
    static let update = Endpoint(
        .patch, "/api/v1/pipelines/{pipeline_id}", "Change a pipeline's fields or stages", body: Pipeline.Change.self, returns: Pipeline.self,
        errors: [ErrorCase(notFound), denied, stageNotEmpty])
    static let delete = Endpoint(
        .delete, "/api/v1/pipelines/{pipeline_id}", "Delete a pipeline (soft; records keep their data)", returns: NoContent.self,
        status: .noContent, errors: [ErrorCase(notFound), denied])

    func addRoutes(to routes: RouteTable) {
        let view = RecordsetController.view, edit = RecordsetController.edit
        routes.tenant(Self.list, view) { _, context in PipelineList(items: try await PipelineRepository(context).list()) }
        routes.tenant(Self.ofRecordset, view) { input, context in try await PipelineRepository(context).of(recordset: .id(input.id("recordset_id"))) }
        routes.tenant(Self.recordsetPipeline, view) { input, context in try await PipelineRepository(context).of(recordset: input.recordset) }
        routes.tenant(Self.show, view) { input, context in try await PipelineRepository(context).require(input.id("pipeline_id"), .canView) }
        routes.tenant(Self.data, view) { input, context in try await PipelineRepository(context).data(input.id("pipeline_id"), input.query) }
        routes.tenant(Self.stats, view) { input, context in try await PipelineRepository(context).stats(input.id("pipeline_id")) }
        routes.tenant(Self.create, edit) { input, context in
            guard let recordset = input.body.recordsetID else {
                throw AppError.validation("Name the pipeline's recordset.", fields: ["recordset_id": "is required"])
            }
            return try await PipelineRepository(context).create(in: .id(recordset), input.body)
        }
        routes.tenant(Self.createForRecordset, edit) { input, context in
            try await PipelineRepository(context).create(in: .id(input.id("recordset_id")), input.body)
        }
        routes.tenant(Self.createOnRecordset, edit) { input, context in
            try await PipelineRepository(context).create(in: input.recordset, input.body)
        }
        routes.tenant(Self.move, RecordController.edit) { input, context in
            try await PipelineRepository(context).move(input.id("pipeline_id"), records: [input.body.recordID], to: input.body.stageID)[0]
        }
        routes.tenant(Self.bulkMove, RecordController.edit) { input, context in
            let moved = try await PipelineRepository(context).move(input.id("pipeline_id"), records: input.body.recordIDs, to: input.body.stageID)
            return Pipeline.Moved(moved: moved.count, recordIDs: moved.map(\.id))
        }
        routes.tenant(Self.replace, edit) { input, context in try await PipelineRepository(context).update(input.id("pipeline_id"), input.body.change) }
        routes.tenant(Self.update, edit) { input, context in try await PipelineRepository(context).update(input.id("pipeline_id"), input.body) }
        routes.tenant(Self.delete, edit) { input, context in
            try await PipelineRepository(context).delete(input.id("pipeline_id"))
            return NoContent()
        }
    }
}
