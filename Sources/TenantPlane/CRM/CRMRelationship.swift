import Foundation
import PlatformCore

/// A typed link between any two entities of the workspace: a contact, a record, a member. Both ends
/// must exist when it is made (a record end: one the caller may see). DELETE deactivates;
/// `?permanent=true` removes. A relationship with a record end the caller cannot see is hidden.
struct CRMRelationship: APIModel, TableRow {
    let id: UUID
    let sourceType: EntityType
    let sourceID: UUID
    let targetType: EntityType
    let targetID: UUID
    let relationshipType: String
    /// 0–100, when known.
    let strength: Int?
    let notes: String
    let metadata: JSONObject
    let isActive: Bool
    let createdBy: UUID?
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, sourceType = "source_type", sourceID = "source_id", targetType = "target_type", targetID = "target_id"
        case relationshipType = "relationship_type", strength, notes, metadata, isActive = "is_active", createdBy = "created_by"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    static let columns: Columns = [
        "id", "source_type", "source_id", "target_type", "target_id", "relationship_type", "strength", "notes", "metadata", "is_active", "created_by",
        "created_at", "updated_at",
    ]

    init(row: RowReader) throws {
        id = try row("id")
        sourceType = try row("source_type")
        sourceID = try row("source_id")
        targetType = try row("target_type")
        targetID = try row("target_id")
        relationshipType = try row("relationship_type")
        strength = try row("strength")
        notes = try row("notes")
        metadata = try row("metadata")
        isActive = try row("is_active")
        createdBy = try row("created_by")
        createdAt = try row("created_at")
        updatedAt = try row("updated_at")
    }

    private init(example: Void) {
        id = CRMExamples.relationshipID
        sourceType = .contact
        sourceID = CRMExamples.contactID
        targetType = .record
        targetID = Record.example.id
        relationshipType = "owns"
        strength = 80
        notes = ""
        metadata = JSONObject()
        isActive = true
        createdBy = CRMExamples.memberID
        createdAt = CRMExamples.date
        updatedAt = CRMExamples.date
    }

    static let example = CRMRelationship(example: ())

    static func checkStrength(_ strength: Int?, _ field: String, _ check: inout Validation) {
        check.require((0...100).contains(strength ?? 0), field, "must be 0 to 100")
    }

    struct New: RequestBody, APIModel {
        var sourceType: EntityType
        var sourceID: UUID
        var targetType: EntityType
        var targetID: UUID
        /// A lower-case word: `owns`, `works_at`, `referred_by`, `manages`, …
        var relationshipType: String
        var strength: Int?
        var notes: String?
        var metadata: JSONObject?

        enum CodingKeys: String, CodingKey {
            case sourceType = "source_type", sourceID = "source_id", targetType = "target_type", targetID = "target_id"
            case relationshipType = "relationship_type", strength, notes, metadata
        }

        func validated() throws -> New {
            var check = Validation()
            let new = checked(&check, prefix: "")
            try check.finish("The relationship is invalid.")
            return new
        }

        func checked(_ check: inout Validation, prefix: String) -> New {
            var new = self
            new.relationshipType = check.word(relationshipType, prefix + "relationship_type")
            CRMRelationship.checkStrength(strength, prefix + "strength", &check)
            new.notes = check.text(notes ?? "", prefix + "notes", length: 0...2000)
            new.metadata = metadata ?? JSONObject()
            check.require(sourceType != targetType || sourceID != targetID, prefix + "target_id", "must not be the source")
            return new
        }

        static let example = New(
            sourceType: .contact, sourceID: CRMExamples.contactID, targetType: .record, targetID: Record.example.id, relationshipType: "owns",
            strength: 80, notes: nil, metadata: nil)
    }

    /// `POST /crm/relationships/bulk`: up to 500, made all together or not at all.
    struct Bulk: RequestBody, APIModel {
        var relationships: [New]

        func validated() throws -> Bulk {
            var check = Validation()
            check.require((1...500).contains(relationships.count), "relationships", "must hold 1 to 500 relationships")
            let cleaned = relationships.enumerated().map { $0.element.checked(&check, prefix: "relationships.\($0.offset).") }
            try check.finish("A relationship is invalid; none was made.")
            return Bulk(relationships: cleaned)
        }

        static let example = Bulk(relationships: [.example])
    }

    struct BulkCreated: APIModel {
        let created: Int
        let items: [CRMRelationship]
        static let example = BulkCreated(created: 1, items: [.example])
    }

    /// PUT: the changeable fields (the ends stay); those left out back to their defaults.
    struct Replacement: RequestBody, APIModel {
        var relationshipType: String
        var strength: Int?
        var notes: String?
        var metadata: JSONObject?
        var isActive: Bool?

        enum CodingKeys: String, CodingKey { case relationshipType = "relationship_type", strength, notes, metadata, isActive = "is_active" }

        func validated() throws -> Replacement {
            var check = Validation()
            var replacement = self
            replacement.relationshipType = check.word(relationshipType, "relationship_type")
            CRMRelationship.checkStrength(strength, "strength", &check)
            replacement.notes = check.text(notes ?? "", "notes", length: 0...2000)
            try check.finish("The relationship is invalid.")
            return replacement
        }

        var change: Change {
            Change(relationshipType: .value(relationshipType), strength: strength.map(Patch.value) ?? .null, notes: .value(notes ?? ""),
                   metadata: .value(metadata ?? JSONObject()), isActive: .value(isActive ?? true))
        }

        static let example = Replacement(relationshipType: "co_owns", strength: 60, notes: "Half share", metadata: nil, isActive: true)
    }

    /// PATCH: the fields sent; `is_active: true` reactivates a deactivated one.
    struct Change: RequestBody, APIModel {
        var relationshipType: Patch<String> = .absent
        var strength: Patch<Int> = .absent
        var notes: Patch<String> = .absent
        var metadata: Patch<JSONObject> = .absent
        var isActive: Patch<Bool> = .absent

        enum CodingKeys: String, CodingKey { case relationshipType = "relationship_type", strength, notes, metadata, isActive = "is_active" }

        init(relationshipType: Patch<String> = .absent, strength: Patch<Int> = .absent, notes: Patch<String> = .absent,
             metadata: Patch<JSONObject> = .absent, isActive: Patch<Bool> = .absent) {
            (self.relationshipType, self.strength, self.notes, self.metadata, self.isActive) = (relationshipType, strength, notes, metadata, isActive)
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            relationshipType = try c.decode(Patch<String>.self, forKey: .relationshipType)
            strength = try c.decode(Patch<Int>.self, forKey: .strength)
            notes = try c.decode(Patch<String>.self, forKey: .notes)
            metadata = try c.decode(Patch<JSONObject>.self, forKey: .metadata)
            isActive = try c.decode(Patch<Bool>.self, forKey: .isActive)
        }

        func validated() throws -> Change {
            var check = Validation()
            var change = self
            if case .value(let type) = relationshipType { change.relationshipType = .value(check.word(type, "relationship_type")) }
            check.require(relationshipType != .null, "relationship_type", "must not be null")
            if case .value(let strength) = strength { CRMRelationship.checkStrength(strength, "strength", &check) }
            if case .value(let notes) = notes { change.notes = .value(check.text(notes, "notes", length: 0...2000)) }
            change.notes = change.notes.clearingTo("")
            change.metadata = metadata.clearingTo(JSONObject())
            check.require(isActive != .null, "is_active", "must not be null")
            try check.finish("The relationship change is invalid.")
            return change
        }

        static let example = Change(strength: .value(90), isActive: .value(true))
    }
}

struct RelationshipListQuery: QueryParameters {
    let page: Page
    let sourceType: EntityType?
    let sourceID: UUID?
    let targetType: EntityType?
    let targetID: UUID?
    let relationshipType: String?
    /// Tri-state: absent lists both.
    let isActive: Bool?

    enum CodingKeys: String, CodingKey {
        case page, sourceType = "source_type", sourceID = "source_id", targetType = "target_type", targetID = "target_id"
        case relationshipType = "relationship_type", isActive = "is_active"
    }
}

enum RelationshipDirection: String, SchemaEnum { case both, source, target }

/// `GET /crm/relationships/entity/{entity_type}/{entity_id}`.
struct EntityRelationshipQuery: QueryParameters {
    let page: Page
    /// `source`: the entity's outgoing links; `target`: incoming; `both` (default).
    let direction: RelationshipDirection?
    /// Any of these types (comma-separated).
    let relationshipTypes: [String]?
    let isActive: Bool?

    enum CodingKeys: String, CodingKey { case page, direction, relationshipTypes = "relationship_types", isActive = "is_active" }
}
