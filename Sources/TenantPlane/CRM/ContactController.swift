import Foundation
import PlatformCore

/// `/crm/contacts`, `/crm/interactions`, `/crm/tasks` and `/crm/dashboard` (§2.13). Creating a
/// contact and logging an interaction ask the language model when one is configured (metered in
/// `ai_calls`); when none is, or it fails, the documented formula alone runs.
struct ContactController {
    let languageModel: (any LanguageModel)?

    static let notFound = ErrorCase(ContactRepository.notFound)
    static let taskNotFound = ErrorCase(TaskRepository.notFound)

    static let list = Endpoint(
        .get, "/api/v1/crm/contacts", "Contacts: search, filters (contact_type, status, owner_id, company, city, state, tags), sort_by and sort_order, page",
        query: ContactListQuery.self, returns: ListResponse<Contact>.self)
    static let show = Endpoint(
        .get, "/api/v1/crm/contacts/{contact_id}", "A contact with its interactions, tasks, insights, relationships and the records linked to it",
        returns: ContactDetail.self, errors: [notFound])
    static let interactions = Endpoint(
        .get, "/api/v1/crm/contacts/{contact_id}/interactions", "A contact's interactions, newest first (limit, offset)", query: Page.self,
        returns: ListResponse<Interaction>.self, errors: [notFound])
    static let create = Endpoint(
        .post, "/api/v1/crm/contacts", "Create a contact: its first relationship score and follow-up task (by the AI when configured, else by the formula)",
        body: Contact.New.self, returns: Contact.self, status: .created, errors: [.validation])
    static let replace = Endpoint(
        .put, "/api/v1/crm/contacts/{contact_id}", "Replace a contact's fields (those left out are cleared; the score and owner stay unless sent)",
        body: Contact.New.self, returns: Contact.self, errors: [notFound])
    static let update = Endpoint(
        .patch, "/api/v1/crm/contacts/{contact_id}", "Change a contact's fields (status archived/active archives or restores)",
        body: Contact.Change.self, returns: Contact.self, errors: [notFound])
    static let delete = Endpoint(
        .delete, "/api/v1/crm/contacts/{contact_id}", "Archive a contact; permanent=true deletes it with its interactions, tasks, insights and relationships",
        query: DeleteQuery.self, returns: NoContent.self, status: .noContent, errors: [notFound])

    static let logInteraction = Endpoint(
        .post, "/api/v1/crm/interactions",
        "Log an interaction: moves the contact's score and last contact; with the AI, sentiment, topics, action items and suggested tasks",
        body: Interaction.New.self, returns: LoggedInteraction.self, status: .created, errors: [notFound])

    static let tasks = Endpoint(
        .get, "/api/v1/crm/tasks", "CRM tasks, soonest due first: status, priority, contact_id, assigned_to_me, include_completed, limit",
        query: TaskListQuery.self, returns: ListResponse<CRMTask>.self)
    static let createTask = Endpoint(
        .post, "/api/v1/crm/tasks", "Create a manual task for a contact", body: CRMTask.New.self, returns: CRMTask.self, status: .created,
        errors: [notFound])
    static let replaceTask = Endpoint(
        .put, "/api/v1/crm/tasks/{task_id}", "Replace a task's fields", body: CRMTask.Replacement.self, returns: CRMTask.self, errors: [taskNotFound])
    static let updateTask = Endpoint(
        .patch, "/api/v1/crm/tasks/{task_id}", "Change a task's fields", body: CRMTask.Change.self, returns: CRMTask.self, errors: [taskNotFound])
    static let completeTask = Endpoint(
        .post, "/api/v1/crm/tasks/{task_id}/complete", "Complete a task (outcome, outcome_notes)", query: TaskCompletion.self, returns: CRMTask.self,
        errors: [taskNotFound, ErrorCase(TaskRepository.alreadyCompleted)])

    static let dashboard = Endpoint(.get, "/api/v1/crm/dashboard", "The CRM in numbers, and the caller's due tasks", returns: CRMDashboard.self)

    func addRoutes(to routes: RouteTable) {
        let model = languageModel
        routes.tenant(Self.list, CRMAccess.view) { input, context in try await ContactRepository(context).list(input.query) }
        routes.tenant(Self.show, CRMAccess.view) { input, context in try await ContactRepository(context).detail(input.id("contact_id")) }
        routes.tenant(Self.interactions, CRMAccess.view) { input, context in
            try await InteractionRepository(context).list(contact: input.id("contact_id"), input.query)
        }
        routes.tenant(Self.create, CRMAccess.create) { input, context in
            let repository = ContactRepository(context)
            try await ContactRepository.checkMember(input.body.ownerID, "owner_id", on: context.db, logger: context.logger)
            let ai = MeteredLanguageModel(model, context)
            var assessment: ContactAssessment?
            if ai.isConfigured {
                do {
                    assessment = try await CRMAssistant(ai: ai).assess(input.body)
                } catch let error as AppError where error.status == .badGateway {
                    // The call is metered as failed; the contact is made by the formula.
                    assessment = nil
                }
            }
            return try await repository.create(input.body, assessment: assessment)
        }
        routes.tenant(Self.replace, CRMAccess.edit) { input, context in
            try await ContactRepository(context).update(input.id("contact_id"), input.body.replacement)
        }
        routes.tenant(Self.update, CRMAccess.edit) { input, context in try await ContactRepository(context).update(input.id("contact_id"), input.body) }
        routes.tenant(Self.delete, CRMAccess.delete) { input, context in
            try await ContactRepository(context).delete(input.id("contact_id"), permanent: input.query.permanent ?? false)
            return NoContent()
        }

        routes.tenant(Self.logInteraction, CRMAccess.edit) { input, context in
            let contact = try await ContactRepository(context).find(input.body.contactID)
            let ai = MeteredLanguageModel(model, context)
            var analysis: InteractionAnalysis?
            var aiError: String?
            if ai.isConfigured {
                do {
                    analysis = try await CRMAssistant(ai: ai).analyze(input.body, of: contact)
                } catch let error as AppError where error.status == .badGateway {
                    aiError = error.message
                }
            }
            return try await InteractionRepository(context).log(input.body, analysis: analysis, aiError: aiError)
        }

        routes.tenant(Self.tasks, CRMAccess.view) { input, context in try await TaskRepository(context).list(input.query) }
        routes.tenant(Self.createTask, CRMAccess.edit) { input, context in try await TaskRepository(context).create(input.body) }
        routes.tenant(Self.replaceTask, CRMAccess.edit) { input, context in try await TaskRepository(context).update(input.id("task_id"), input.body.change) }
        routes.tenant(Self.updateTask, CRMAccess.edit) { input, context in try await TaskRepository(context).update(input.id("task_id"), input.body) }
        routes.tenant(Self.completeTask, CRMAccess.edit) { input, context in try await TaskRepository(context).complete(input.id("task_id"), input.query) }

        routes.tenant(Self.dashboard, CRMAccess.view) { _, context in try await CRMDashboard.load(context) }
    }
}
