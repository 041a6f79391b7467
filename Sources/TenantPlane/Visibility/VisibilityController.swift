import Foundation
import PlatformCore

/// `/visibility/projects` (with competitors and queries) and `/visibility/providers`
/// (docs/visibility.md). Runs are registered elsewhere.
struct VisibilityController {
    let settings: VisibilitySettings
    let prices: @Sendable (String) -> TokenPrice?

    static let notFound = ErrorCase(VisibilityProjectRepository.notFound)
    static let queryNotFound = ErrorCase(VisibilityQueryRepository.notFound)
    static let queryExists = ErrorCase(VisibilityQueryRepository.exists)

    static let providers = Endpoint(
        .get, "/api/v1/visibility/providers", "The AI providers this deployment asks, with their model and price (credits per item, USD per token)",
        returns: ListResponse<VisibilityProviderInfo>.self)

    static let list = Endpoint(
        .get, "/api/v1/visibility/projects", "Projects, newest first: status (setup status DRAFT/COMPLETE), archived=true for the archived ones, page",
        query: VisibilityProjectListQuery.self, returns: ListResponse<VisibilityProject>.self)
    static let create = Endpoint(
        .post, "/api/v1/visibility/projects", "Create a project: the brand (name, aliases, domains — by default website_url's), locale, default providers",
        body: VisibilityProject.New.self, returns: VisibilityProject.self, status: .created, errors: [.validation])
    static let show = Endpoint(
        .get, "/api/v1/visibility/projects/{project_id}", "A project", returns: VisibilityProject.self, errors: [notFound])
    static let update = Endpoint(
        .patch, "/api/v1/visibility/projects/{project_id}", "Change a project's fields (setup_status marks it COMPLETE or DRAFT)",
        body: VisibilityProject.Change.self, returns: VisibilityProject.self, errors: [notFound])
    static let replace = Endpoint(
        .put, "/api/v1/visibility/projects/{project_id}", "Replace a project's fields (those left out take their defaults)",
        body: VisibilityProject.New.self, returns: VisibilityProject.self, errors: [notFound])
    static let archive = Endpoint(
        .delete, "/api/v1/visibility/projects/{project_id}", "Archive a project: it is then found only by GET /projects?archived=true",
        returns: NoContent.self, status: .noContent, errors: [notFound])

    static let competitors = Endpoint(
        .get, "/api/v1/visibility/projects/{project_id}/competitors", "A project's competitors, by name",
        returns: ListResponse<VisibilityCompetitor>.self, errors: [notFound])
    static let replaceCompetitors = Endpoint(
        .put, "/api/v1/visibility/projects/{project_id}/competitors", "Replace a project's competitors at once (0 to 100; a kept name keeps its id)",
        body: VisibilityCompetitor.Replacement.self, returns: ListResponse<VisibilityCompetitor>.self, errors: [notFound])

    static let queries = Endpoint(
        .get, "/api/v1/visibility/projects/{project_id}/queries", "A project's queries in the order they were added: active=true/false, page",
        query: VisibilityQueryListQuery.self, returns: ListResponse<VisibilityQuery>.self, errors: [notFound])
    static let addQueries = Endpoint(
        .post, "/api/v1/visibility/projects/{project_id}/queries",
        "Add 1 to 200 queries; texts the project has or the batch repeats (ignoring case) are skipped and reported as duplicates",
        body: VisibilityQuery.Batch.self, returns: VisibilityQueryBatchResult.self, status: .created, errors: [notFound])
    static let updateQuery = Endpoint(
        .patch, "/api/v1/visibility/projects/{project_id}/queries/{query_id}", "Change a query (is_active=true brings a deactivated one back)",
        body: VisibilityQuery.Change.self, returns: VisibilityQuery.self, errors: [notFound, queryNotFound, queryExists])
    static let replaceQuery = Endpoint(
        .put, "/api/v1/visibility/projects/{project_id}/queries/{query_id}", "Replace a query's text and kind (those left out are cleared; it is active)",
        body: VisibilityQuery.New.self, returns: VisibilityQuery.self, errors: [notFound, queryNotFound, queryExists])
    static let deactivateQuery = Endpoint(
        .delete, "/api/v1/visibility/projects/{project_id}/queries/{query_id}", "Deactivate a query: runs of all queries skip it",
        returns: NoContent.self, status: .noContent, errors: [notFound, queryNotFound])

    func addRoutes(to routes: RouteTable) {
        let (settings, prices) = (self.settings, self.prices)
        routes.tenant(Self.providers, VisibilityAccess.view) { _, _ in VisibilityProviderInfo.list(settings, prices: prices) }

        routes.tenant(Self.list, VisibilityAccess.view) { input, context in try await VisibilityProjectRepository(context).list(input.query) }
        routes.tenant(Self.create, VisibilityAccess.manage) { input, context in try await VisibilityProjectRepository(context).create(input.body) }
        routes.tenant(Self.show, VisibilityAccess.view) { input, context in try await VisibilityProjectRepository(context).find(input.id("project_id")) }
        routes.tenant(Self.update, VisibilityAccess.manage) { input, context in
            try await VisibilityProjectRepository(context).update(input.id("project_id"), input.body)
        }
        routes.tenant(Self.replace, VisibilityAccess.manage) { input, context in
            try await VisibilityProjectRepository(context).update(input.id("project_id"), input.body.replacement)
        }
        routes.tenant(Self.archive, VisibilityAccess.manage) { input, context in
            try await VisibilityProjectRepository(context).archive(input.id("project_id"))
            return NoContent()
        }

        routes.tenant(Self.competitors, VisibilityAccess.view) { input, context in
            try await VisibilityProjectRepository(context).competitors(of: input.id("project_id"))
        }
        routes.tenant(Self.replaceCompetitors, VisibilityAccess.manage) { input, context in
            try await VisibilityProjectRepository(context).replaceCompetitors(of: input.id("project_id"), input.body)
        }

        routes.tenant(Self.queries, VisibilityAccess.view) { input, context in
            try await VisibilityQueryRepository(context).list(project: input.id("project_id"), input.query)
        }
        routes.tenant(Self.addQueries, VisibilityAccess.manage) { input, context in
            try await VisibilityQueryRepository(context).add(to: input.id("project_id"), input.body)
        }
        routes.tenant(Self.updateQuery, VisibilityAccess.manage) { input, context in
            try await VisibilityQueryRepository(context).update(input.id("query_id"), in: input.id("project_id"), input.body)
        }
        routes.tenant(Self.replaceQuery, VisibilityAccess.manage) { input, context in
            try await VisibilityQueryRepository(context).update(input.id("query_id"), in: input.id("project_id"), input.body.replacement)
        }
        routes.tenant(Self.deactivateQuery, VisibilityAccess.manage) { input, context in
            try await VisibilityQueryRepository(context).deactivate(input.id("query_id"), in: input.id("project_id"))
            return NoContent()
        }
    }
}
