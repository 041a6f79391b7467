import Foundation
import PlatformCore

enum ContactStatus: String, SchemaEnum { case active, inactive, archived }

/// A person the workspace has a relationship with. `relationship_score` (0–100) is set at creation
/// (by the model when one is configured, else by the formula) and moved by every interaction;
/// DELETE archives (`status=archived`), `?permanent=true` deletes for good.
struct Contact: APIModel, TableRow {
    let id: UUID
    let fullName: String
    let email: String?
    let phone: String?
    let company: String?
    let jobTitle: String?
    let contactType: String
    let status: ContactStatus
    let address: String?
    let city: String?
    let state: String?
    let postalCode: String?
    let country: String?
    let tags: [String]
    let notes: String
    let customFields: JSONObject
    let source: String
    let relationshipScore: Int
    /// Who set the score last: the formula (`rules`) or the model (`ai`).
    let scoreSource: AnalysisSource
    let engagementStrategy: String?
    let lastInteractionAt: Date?
    /// Whole days since `last_interaction_at`; nil when never contacted.
    let daysSinceContact: Int?
    let ownerID: UUID?
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date
    let archivedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, fullName = "full_name", email, phone, company, jobTitle = "job_title", contactType = "contact_type", status, address, city, state
        case postalCode = "postal_code", country, tags, notes, customFields = "custom_fields", source, relationshipScore = "relationship_score"
        case scoreSource = "score_source", engagementStrategy = "engagement_strategy", lastInteractionAt = "last_interaction_at"
        case daysSinceContact = "days_since_contact", ownerID = "owner_id", createdBy = "created_by", createdAt = "created_at"
        case updatedAt = "updated_at", archivedAt = "archived_at"
    }

    static let columns: Columns = [
        "id", "full_name", "email", "phone", "company", "job_title", "contact_type", "status", "address", "city", "state", "postal_code", "country",
        "tags", "notes", "custom_fields", "source", "relationship_score", "score_source", "engagement_strategy", "last_interaction_at", "owner_id",
        "created_by", "created_at", "updated_at", "archived_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        fullName = try row("full_name")
        email = try row("email")
        phone = try row("phone")
        company = try row("company")
        jobTitle = try row("job_title")
        contactType = try row("contact_type")
        status = try row("status")
        address = try row("address")
        city = try row("city")
        state = try row("state")
        postalCode = try row("postal_code")
        country = try row("country")
        tags = try row("tags")
        notes = try row("notes")
        customFields = try row("custom_fields")
        source = try row("source")
        relationshipScore = try row("relationship_score")
        scoreSource = try row("score_source")
        engagementStrategy = try row("engagement_strategy")
        lastInteractionAt = try row("last_interaction_at")
        daysSinceContact = lastInteractionAt.map { max(0, Int(Date().timeIntervalSince($0) / 86_400)) }
        ownerID = try row("owner_id")
        createdBy = try row("created_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
        archivedAt = try row("archived_at")
    }

    private init(example: Void) {
        id = CRMExamples.contactID
        fullName = "Ada Lovelace"
        email = "ada@example.com"
        phone = "+44 20 7946 0000"
        company = "Analytical Engines Ltd"
        jobTitle = "Head of Acquisitions"
        contactType = "client"
        status = .active
        address = "12 Elm Street"
        city = "London"
        state = "England"
        postalCode = "N1 9GU"
        country = "GB"
        tags = ["investor", "vip"]
        notes = ""
        customFields = JSONObject(["budget": 2_500_000])
        source = "manual"
        relationshipScore = 54
        scoreSource = .rules
        engagementStrategy = "Quarterly portfolio reviews; prefers calls to email."
        lastInteractionAt = CRMExamples.date
        daysSinceContact = 3
        ownerID = CRMExamples.memberID
        createdBy = CRMExamples.memberID
        createdAt = CRMExamples.date
        updatedAt = CRMExamples.date
        archivedAt = nil
    }

    static let example = Contact(example: ())

    /// `POST /crm/contacts`, the body of PUT, and the contact a discovery proposal carries.
    struct New: RequestBody, APIModel {
        var fullName: String
        var email: String?
        var phone: String?
        var company: String?
        var jobTitle: String?
        /// A lower-case word (`lead`, `prospect`, `client`, `partner`, `vendor`, `investor`, `broker`, …); default `other`.
        var contactType: String?
        /// `active` (default) or `inactive`.
        var status: ContactStatus?
        var address: String?
        var city: String?
        var state: String?
        var postalCode: String?
        var country: String?
        var tags: [String]?
        var notes: String?
        var customFields: JSONObject?
        /// A member of the workspace; default the caller.
        var ownerID: UUID?
        /// Schedule the first follow-up task (default true).
        var scheduleFollowUp: Bool?

        enum CodingKeys: String, CodingKey {
            case fullName = "full_name", email, phone, company, jobTitle = "job_title", contactType = "contact_type", status, address, city, state
            case postalCode = "postal_code", country, tags, notes, customFields = "custom_fields", ownerID = "owner_id"
            case scheduleFollowUp = "schedule_follow_up"
        }

        func validated() throws -> New {
            var check = Validation()
            let new = checked(&check, prefix: "")
            try check.finish("The contact is invalid.")
            return new
        }

        /// Normalised, every problem noted under `prefix` + the field's name.
        func checked(_ check: inout Validation, prefix: String) -> New {
            var new = self
            new.fullName = check.text(fullName, prefix + "full_name", length: 1...200)
            new.email = check.optional(email, prefix + "email", max: 320)?.lowercased()
            if let email = new.email { check.require(Contact.isEmail(email), prefix + "email", "must be an email address") }
            new.phone = check.optional(phone, prefix + "phone", max: 50)
            new.company = check.optional(company, prefix + "company", max: 200)
            new.jobTitle = check.optional(jobTitle, prefix + "job_title", max: 200)
            new.contactType = check.word(contactType ?? "other", prefix + "contact_type")
            check.require(status != .archived, prefix + "status", "is active or inactive (DELETE archives)")
            new.status = status ?? .active
            new.address = check.optional(address, prefix + "address", max: 500)
            new.city = check.optional(city, prefix + "city", max: 100)
            new.state = check.optional(state, prefix + "state", max: 100)
            new.postalCode = check.optional(postalCode, prefix + "postal_code", max: 20)
            new.country = check.optional(country, prefix + "country", max: 100)
            new.tags = Record.cleanTags(tags ?? [], &check)
            new.notes = check.text(notes ?? "", prefix + "notes", length: 0...10_000)
            new.customFields = customFields ?? JSONObject()
            return new
        }

        static let example = New(
            fullName: "Ada Lovelace", email: "ada@example.com", phone: "+44 20 7946 0000", company: "Analytical Engines Ltd",
            jobTitle: "Head of Acquisitions", contactType: "client", status: nil, address: nil, city: "London", state: "England", postalCode: nil,
            country: "GB", tags: ["investor"], notes: nil, customFields: nil, ownerID: nil, scheduleFollowUp: nil)

        /// PUT: every field as sent, the ones left out cleared (the owner stays).
        var replacement: Change {
            func text(_ value: String?) -> Patch<String> { value.map(Patch.value) ?? .null }
            return Change(
                fullName: .value(fullName), email: text(email), phone: text(phone), company: text(company), jobTitle: text(jobTitle),
                contactType: .value(contactType ?? "other"), status: .value(status ?? .active), address: text(address), city: text(city),
                state: text(state), postalCode: text(postalCode), country: text(country), tags: .value(tags ?? []), notes: .value(notes ?? ""),
                customFields: .value(customFields ?? JSONObject()), ownerID: ownerID.map(Patch.value) ?? .absent)
        }
    }

    /// PATCH: the fields sent change; null clears (name, type, status and the lists cannot be null).
    /// `status` may be `archived` here too, or `active` to bring an archived contact back.
    struct Change: RequestBody, APIModel {
        var fullName: Patch<String> = .absent
        var email: Patch<String> = .absent
        var phone: Patch<String> = .absent
        var company: Patch<String> = .absent
        var jobTitle: Patch<String> = .absent
        var contactType: Patch<String> = .absent
        var status: Patch<ContactStatus> = .absent
        var address: Patch<String> = .absent
        var city: Patch<String> = .absent
        var state: Patch<String> = .absent
        var postalCode: Patch<String> = .absent
        var country: Patch<String> = .absent
        var tags: Patch<[String]> = .absent
        var notes: Patch<String> = .absent
        var customFields: Patch<JSONObject> = .absent
        var ownerID: Patch<UUID> = .absent

        enum CodingKeys: String, CodingKey {
            case fullName = "full_name", email, phone, company, jobTitle = "job_title", contactType = "contact_type", status, address, city, state
            case postalCode = "postal_code", country, tags, notes, customFields = "custom_fields", ownerID = "owner_id"
        }

        init(fullName: Patch<String> = .absent, email: Patch<String> = .absent, phone: Patch<String> = .absent, company: Patch<String> = .absent,
             jobTitle: Patch<String> = .absent, contactType: Patch<String> = .absent, status: Patch<ContactStatus> = .absent,
             address: Patch<String> = .absent, city: Patch<String> = .absent, state: Patch<String> = .absent, postalCode: Patch<String> = .absent,
             country: Patch<String> = .absent, tags: Patch<[String]> = .absent, notes: Patch<String> = .absent,
             customFields: Patch<JSONObject> = .absent, ownerID: Patch<UUID> = .absent) {
            (self.fullName, self.email, self.phone, self.company, self.jobTitle, self.contactType) = (fullName, email, phone, company, jobTitle, contactType)
            (self.status, self.address, self.city, self.state, self.postalCode, self.country) = (status, address, city, state, postalCode, country)
            (self.tags, self.notes, self.customFields, self.ownerID) = (tags, notes, customFields, ownerID)
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            fullName = try c.decode(Patch<String>.self, forKey: .fullName)
            email = try c.decode(Patch<String>.self, forKey: .email)
            phone = try c.decode(Patch<String>.self, forKey: .phone)
            company = try c.decode(Patch<String>.self, forKey: .company)
            jobTitle = try c.decode(Patch<String>.self, forKey: .jobTitle)
            contactType = try c.decode(Patch<String>.self, forKey: .contactType)
            status = try c.decode(Patch<ContactStatus>.self, forKey: .status)
            address = try c.decode(Patch<String>.self, forKey: .address)
            city = try c.decode(Patch<String>.self, forKey: .city)
            state = try c.decode(Patch<String>.self, forKey: .state)
            postalCode = try c.decode(Patch<String>.self, forKey: .postalCode)
            country = try c.decode(Patch<String>.self, forKey: .country)
            tags = try c.decode(Patch<[String]>.self, forKey: .tags)
            notes = try c.decode(Patch<String>.self, forKey: .notes)
            customFields = try c.decode(Patch<JSONObject>.self, forKey: .customFields)
            ownerID = try c.decode(Patch<UUID>.self, forKey: .ownerID)
        }

        func validated() throws -> Change {
            var check = Validation()
            let change = checked(&check, prefix: "")
            try check.finish("The contact change is invalid.")
            return change
        }

        func checked(_ check: inout Validation, prefix: String) -> Change {
            var change = self
            func optional(_ patch: Patch<String>, _ field: String, max: Int) -> Patch<String> {
                guard case .value(let value) = patch else { return patch }
                return check.optional(value, prefix + field, max: max).map(Patch.value) ?? .null
            }
            if case .value(let name) = fullName { change.fullName = .value(check.text(name, prefix + "full_name", length: 1...200)) }
            check.require(fullName != .null, prefix + "full_name", "must not be null")
            change.email = optional(email, "email", max: 320)
            if case .value(let email) = change.email {
                change.email = .value(email.lowercased())
                check.require(Contact.isEmail(email), prefix + "email", "must be an email address")
            }
            change.phone = optional(phone, "phone", max: 50)
            change.company = optional(company, "company", max: 200)
            change.jobTitle = optional(jobTitle, "job_title", max: 200)
            if case .value(let type) = contactType { change.contactType = .value(check.word(type, prefix + "contact_type")) }
            change.contactType = change.contactType.clearingTo("other")
            check.require(status != .null, prefix + "status", "must not be null")
            change.address = optional(address, "address", max: 500)
            change.city = optional(city, "city", max: 100)
            change.state = optional(state, "state", max: 100)
            change.postalCode = optional(postalCode, "postal_code", max: 20)
            change.country = optional(country, "country", max: 100)
            if case .value(let tags) = tags { change.tags = .value(Record.cleanTags(tags, &check)) }
            change.tags = change.tags.clearingTo([])
            if case .value(let notes) = notes { change.notes = .value(check.text(notes, prefix + "notes", length: 0...10_000)) }
            change.notes = change.notes.clearingTo("")
            change.customFields = customFields.clearingTo(JSONObject())
            return change
        }

        static let example = Change(company: .value("Difference Engines plc"), tags: .value(["investor", "vip"]))
    }

    static func isEmail(_ text: String) -> Bool {
        text.range(of: #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#, options: .regularExpression) != nil
    }
}

enum ContactSort: String, SchemaEnum {
    case updatedAt = "updated_at", createdAt = "created_at", fullName = "full_name", relationshipScore = "relationship_score"
    case lastInteractionAt = "last_interaction_at", daysSinceContact = "days_since_contact"

    /// The order the seed describes when `sort_order` is not sent: most recent, alphabetical,
    /// highest score, most recent interaction, longest since contact.
    var defaultOrder: SortOrder { self == .fullName ? .asc : .desc }

    /// Keyset-friendly: every order ends in the id, in the same direction, over an index.
    /// Never contacted counts as longest ago: `days_since_contact` is `last_interaction_at` reversed.
    func orderBy(_ order: SortOrder) -> SQLFragment {
        switch (self, order) {
        case (.updatedAt, .asc): "c.updated_at ASC, c.id ASC"
        case (.updatedAt, .desc): "c.updated_at DESC, c.id DESC"
        case (.createdAt, .asc): "c.created_at ASC, c.id ASC"
        case (.createdAt, .desc): "c.created_at DESC, c.id DESC"
        case (.fullName, .asc): "lower(c.full_name) ASC, c.id ASC"
        case (.fullName, .desc): "lower(c.full_name) DESC, c.id DESC"
        case (.relationshipScore, .asc): "c.relationship_score ASC, c.id ASC"
        case (.relationshipScore, .desc): "c.relationship_score DESC, c.id DESC"
        case (.lastInteractionAt, .asc), (.daysSinceContact, .desc): "c.last_interaction_at ASC NULLS FIRST, c.id ASC"
        case (.lastInteractionAt, .desc), (.daysSinceContact, .asc): "c.last_interaction_at DESC NULLS LAST, c.id DESC"
        }
    }
}

/// `GET /crm/contacts`: filters (lists are comma-separated; `tags` matches any), search, sort, page.
struct ContactListQuery: QueryParameters {
    let page: Page
    /// Words matched at the start of a word of the name, email, company or job title.
    let search: String?
    let contactType: [String]?
    /// Without it, archived contacts are left out.
    let status: [ContactStatus]?
    let ownerID: UUID?
    /// Exact, ignoring case.
    let company: String?
    let city: String?
    let state: String?
    let tags: [String]?
    let sortBy: ContactSort?
    let sortOrder: SortOrder?

    enum CodingKeys: String, CodingKey {
        case page, search, contactType = "contact_type", status, ownerID = "owner_id", company, city, state, tags, sortBy = "sort_by"
        case sortOrder = "sort_order"
    }
}

struct ContactList: APIModel {
    let items: [Contact]
    static let example = ContactList(items: [.example])
}

/// `GET /crm/contacts/{id}`: the contact and what hangs off it. Related records are those linked
/// by a relationship that the caller may see (the recordset ACL decides, as everywhere).
struct ContactDetail: APIModel {
    struct RelatedRecord: APIModel {
        let relationshipID: UUID
        let relationshipType: String
        /// `outgoing`: the contact is the source.
        let direction: String
        let record: Record
        enum CodingKeys: String, CodingKey { case relationshipID = "relationship_id", relationshipType = "relationship_type", direction, record }
        static let example = RelatedRecord(relationshipID: CRMExamples.relationshipID, relationshipType: "owns", direction: "outgoing", record: .example)
    }

    let contact: Contact
    /// The latest 20.
    let interactions: [Interaction]
    /// Open tasks, then the latest 10 completed or cancelled.
    let tasks: [CRMTask]
    /// Open and actioned insights.
    let insights: [CRMInsight]
    /// Active relationships with another contact or a member.
    let relationships: [CRMRelationship]
    /// Records linked by an active relationship (property links), only those the caller may see.
    let relatedRecords: [RelatedRecord]

    enum CodingKeys: String, CodingKey { case contact, interactions, tasks, insights, relationships, relatedRecords = "related_records" }

    static let example = ContactDetail(contact: .example, interactions: [.example], tasks: [.example], insights: [.example], relationships: [.example],
                                       relatedRecords: [.example])
}

/// `DELETE /crm/contacts/{id}?permanent=true`.
struct DeleteQuery: QueryParameters {
    /// Delete for good (with its interactions, tasks, insights and relationships) instead of archiving/deactivating.
    let permanent: Bool?
}
