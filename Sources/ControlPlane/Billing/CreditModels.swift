import Foundation
import PlatformCore

/// One line of a workspace's credit ledger.
struct CreditEntry: APIModel, TableRow {
    let id: UUID
    let kind: String
    /// Signed: negative for debits, expiries and negative adjustments.
    let credits: Int
    let balanceAfter: Int
    let reference: String?
    let description: String
    let refundOf: UUID?
    let expiresAt: Date?
    let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, kind, credits, balanceAfter = "balance_after", reference, description, refundOf = "refund_of", expiresAt = "expires_at"
        case createdAt = "created_at"
    }

    static let columns: Columns = ["id", "kind", "credits", "balance_after", "reference", "description", "refund_of", "expires_at", "created_at"]

    init(row: RowReader) throws {
        id = try row("id")
        kind = try row("kind")
        credits = try row("credits")
        balanceAfter = try row("balance_after")
        reference = try row("reference")
        description = try row("description")
        refundOf = try row("refund_of")
        expiresAt = try row("expires_at")
        createdAt = try row("created_at")
    }

    init(id: UUID, kind: String, credits: Int, balanceAfter: Int, reference: String?, description: String, createdAt: Date) {
        (self.id, self.kind, self.credits, self.balanceAfter, self.reference, self.description) = (id, kind, credits, balanceAfter, reference, description)
        (refundOf, expiresAt, self.createdAt) = (nil, nil, createdAt)
    }

    static let example = CreditEntry(
        id: UUID(uuidString: "5d1c0a9e-7b2f-4e3a-9c8d-1f2e3a4b5c6d")!, kind: "debit", credits: -12, balanceAfter: 88,
        reference: "visibility_run:0b7e8a52-3c1d-4f6a-9e2b-7c4d5e6f7a8b", description: "Visibility run: 12 items",
        createdAt: Date(timeIntervalSince1970: 1_790_000_000))
}

/// `GET /billing/credits`: the balance and a page of the ledger, newest first.
struct CreditStatement: APIModel {
    let balance: Int
    let items: [CreditEntry]
    let total: Int
    let limit: Int
    let offset: Int

    init(balance: Int, list: ListResponse<CreditEntry>) {
        self.balance = balance
        (items, total, limit, offset) = (list.items, list.total, list.limit, list.offset)
    }

    static let example = CreditStatement(balance: 88, list: .example)
}

/// Staff: credits given (a grant, which may expire) or corrected (an adjustment, either way).
struct CreditGrant: RequestBody, APIModel {
    enum Kind: String, SchemaEnum { case grant, adjustment }

    var kind: Kind
    var credits: Int
    var description: String
    var expiresAt: Date?
    /// Makes the request safe to retry: the same key answers the first entry.
    var key: String?

    enum CodingKeys: String, CodingKey { case kind, credits, description, expiresAt = "expires_at", key }

    static let maximum = 100_000_000

    func validated() throws -> CreditGrant {
        var check = Validation()
        check.require(credits != 0 && abs(credits) <= Self.maximum, "credits", "must be a non-zero number of at most \(Self.maximum) either way")
        check.require(kind == .adjustment || credits > 0, "credits", "a grant must be positive")
        check.require(kind == .grant || expiresAt == nil, "expires_at", "only grants expire")
        check.require(expiresAt.map { $0 > Date() } ?? true, "expires_at", "must be in the future")
        let description = check.text(description, "description", length: 1...500)
        let key = key.map { check.text($0, "key", length: 1...255) }
        try check.finish("The credit grant is invalid.")
        return CreditGrant(kind: kind, credits: credits, description: description, expiresAt: expiresAt, key: key)
    }

    static let example = CreditGrant(
        kind: .grant, credits: 500, description: "Welcome credits for the pilot", expiresAt: Date(timeIntervalSince1970: 1_830_000_000), key: nil)
}
