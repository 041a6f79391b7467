import Foundation
import Logging
import PlatformCore

/// What a caller may do in one recordset (§4's recordset ACL).
struct AccessLevels: APIModel, Equatable {
    var canView = false
    var canCreate = false
    var canEdit = false
    var canEditOwn = false
    var canDelete = false
    var canDeleteOwn = false
    var canAdmin = false

    enum CodingKeys: String, CodingKey, CaseIterable {
        case canView = "can_view", canCreate = "can_create", canEdit = "can_edit", canEditOwn = "can_edit_own"
        case canDelete = "can_delete", canDeleteOwn = "can_delete_own", canAdmin = "can_admin"
    }

    static let none = AccessLevels()
    static let all = AccessLevels(canView: true, canCreate: true, canEdit: true, canEditOwn: true, canDelete: true, canDeleteOwn: true, canAdmin: true)
    static let example = AccessLevels(canView: true, canCreate: true, canEdit: false, canEditOwn: true)

    /// Each level with what it implies: admin is everything, edit covers edit-own, delete covers
    /// delete-own, and any level lets one see the recordset.
    var normalized: AccessLevels {
        if canAdmin { return .all }
        var levels = self
        levels.canEditOwn = canEditOwn || canEdit
        levels.canDeleteOwn = canDeleteOwn || canDelete
        levels.canView = canView || canCreate || levels.canEditOwn || levels.canDeleteOwn
        return levels
    }

    init(canView: Bool = false, canCreate: Bool = false, canEdit: Bool = false, canEditOwn: Bool = false,
         canDelete: Bool = false, canDeleteOwn: Bool = false, canAdmin: Bool = false) {
        (self.canView, self.canCreate, self.canEdit, self.canEditOwn) = (canView, canCreate, canEdit, canEditOwn)
        (self.canDelete, self.canDeleteOwn, self.canAdmin) = (canDelete, canDeleteOwn, canAdmin)
    }

    /// Levels left out are not held.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func level(_ key: CodingKeys) throws -> Bool { try container.decodeIfPresent(Bool.self, forKey: key) ?? false }
        self.init(
            canView: try level(.canView), canCreate: try level(.canCreate), canEdit: try level(.canEdit), canEditOwn: try level(.canEditOwn),
            canDelete: try level(.canDelete), canDeleteOwn: try level(.canDeleteOwn), canAdmin: try level(.canAdmin))
    }

    /// Reads the seven `can_*` columns; a missing grant (NULLs) is no level.
    init(row: RowReader) throws {
        func level(_ key: CodingKeys) throws -> Bool { try row(key.rawValue, as: Bool?.self) ?? false }
        self.init(
            canView: try level(.canView), canCreate: try level(.canCreate), canEdit: try level(.canEdit), canEditOwn: try level(.canEditOwn),
            canDelete: try level(.canDelete), canDeleteOwn: try level(.canDeleteOwn), canAdmin: try level(.canAdmin))
    }
}

/// The one mechanism deciding who reaches which recordset and its records, used by every record,
/// recordset and pipeline route. Workspace owners and admins reach everything; a recordset's owner
/// (its creator) reaches theirs; everyone else what they are granted, directly or through an
/// active team they are in (a parent team's grant does not reach its sub-teams' members). An API
/// key reaches every recordset with the levels its scopes give. Lists filter by `visible` in SQL.
struct RecordsetAccess: Sendable {
    /// The caller's member id (for a key, nil: keys are not owners and hold no grants).
    let member: UUID?
    /// Set when the caller's levels do not depend on the recordset: owners, admins, keys.
    let everywhere: AccessLevels?

    init(_ context: TenantContext) {
        switch context.principal {
        case .apiKey(let key):
            member = nil
            if key.scopes.contains("admin") {
                everywhere = .all
            } else if key.scopes.contains("records:write") {
                everywhere = AccessLevels(canView: true, canCreate: true, canEdit: true, canDelete: true).normalized
            } else {
                everywhere = AccessLevels(canView: key.scopes.contains("records:read"))
            }
        case .user:
            member = context.memberID
            let role = context.membership.role ?? .viewer
            everywhere = role >= .admin ? .all : nil
        }
    }

    /// The caller's levels on each recordset `rs` of a query: `LEFT JOIN \(access.grantsJoin(db))`.
    func grantsJoin(_ db: some TenantQueryable) -> SQLFragment {
        guard everywhere == nil, let member else {
            return "(SELECT NULL::uuid AS recordset_id, NULL::bool AS can_view, NULL::bool AS can_create, NULL::bool AS can_edit, NULL::bool AS can_edit_own, NULL::bool AS can_delete, NULL::bool AS can_delete_own, NULL::bool AS can_admin) g ON false"
        }
        return "\(db.function("member_grants"))(\(member)) g ON g.recordset_id = rs.id"
    }

    /// `rs` (the recordsets table's alias in a query on `db`) is a recordset the caller may see.
    func visible(in db: some TenantQueryable) -> SQLFragment {
        if let everywhere { return everywhere.canView ? "true" : "false" }
        guard let member else { return "false" }
        return "(rs.created_by = \(member) OR rs.id IN (SELECT g.recordset_id FROM \(db.function("member_grants"))(\(member)) g WHERE g.can_view))"
    }

    /// The caller's levels on a recordset whose owner and grant row (from `grantsJoin`) are known.
    func levels(owner: UUID?, granted: AccessLevels) -> AccessLevels {
        if let everywhere { return everywhere }
        if let member, owner == member { return .all }
        return granted.normalized
    }
}
