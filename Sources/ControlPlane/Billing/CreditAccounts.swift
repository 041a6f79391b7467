import Foundation
import Logging
import PlatformCore
import PostgresNIO

/// The credit ledger (`control.credit_*`). Every write runs in one transaction that first locks the
/// workspace's balance row, so one workspace's entries are written one at a time and a debit can
/// never take the balance below zero, however many arrive at once. Each entry's key is unique in
/// its workspace: a write that finds its key answers the first entry instead.
///
/// A workspace's account opens on first use with the initial grant (`INITIAL_CREDITS`), dated
/// with the workspace's creation. Grants may expire: debits take from the lots that expire first,
/// and lots past their date are written off (an `expiry` entry) when the account is next used.
struct CreditAccounts: CreditLedger {
    let client: PostgresClient
    let initialGrant: Int
    /// Visibility runs' debits are capped per month by the workspace's plan.
    let catalog: BillingCatalog

    static let workspaceNotFound = AppError.notFound("workspace_not_found", "No workspace has this id.")
    static let exceedsBalance = AppError.conflict("adjustment_exceeds_balance", "A negative adjustment cannot take more than the balance.")
    static let debitNotFound = AppError.notFound("debit_not_found", "No debit of this workspace has this id.")

    enum Kind: String, SchemaEnum { case grant, debit, refund, expiry, adjustment }

    /// The balance, once due lots are written off.
    func balance(_ workspace: UUID, logger: Logger) async throws -> Int {
        try await client.transaction(logger: logger) { connection in
            try await Account.open(workspace, initialGrant: initialGrant, on: connection, logger: logger).balance
        }
    }

    /// The balance and a page of entries, newest first.
    func statement(_ workspace: UUID, page: Page, logger: Logger) async throws -> CreditStatement {
        let balance = try await balance(workspace, logger: logger)
        let list = try await client.list(
            CreditEntry.self, "FROM control.credit_entries WHERE workspace_id = \(workspace)", orderBy: "created_at DESC, id DESC", page: page,
            logger: logger)
        return CreditStatement(balance: balance, list: list)
    }

    func entry(_ id: UUID, logger: Logger) async throws -> CreditEntry {
        try await client.first(CreditEntry.self, "SELECT \(CreditEntry.columns) FROM control.credit_entries WHERE id = \(id)", logger: logger)
            .orNotFound(Self.workspaceNotFound)
    }

    func debit(_ credits: Int, workspace: UUID, key: String, reference: String, description: String, actor: UUID?, logger: Logger)
        async throws -> LedgerReceipt
    {
        precondition(credits > 0)
        return try await client.transaction(logger: logger) { connection in
            var account = try await Account.open(workspace, initialGrant: initialGrant, on: connection, logger: logger)
            if let first = try await account.existing(key, kind: .debit, credits: -credits) { return first }
            if reference.hasPrefix(LimitType.visibilityRunReference) {
                // The balance row is locked: this month's usage cannot move until the debit is written.
                let limit = try await catalog.limit(.visibilityCredits, workspace: workspace, on: connection, logger: logger)
                let used = try await connection.value(Int.self, "SELECT \(BillingCatalog.visibilityCreditsUsed(workspace))", logger: logger) ?? 0
                if let limit, used + credits > limit { throw Quota.exceeded(.visibilityCredits, limit: limit, usage: used) }
            }
            guard account.balance >= credits else { throw CreditErrors.insufficient(required: credits, balance: account.balance) }
            let entry = try await account.write(
                .debit, -credits, key: key, reference: reference, description: description, actor: actor)
            try await account.take(credits, for: entry)
            return LedgerReceipt(entryID: entry, credits: -credits, balanceAfter: account.balance, replayed: false)
        }
    }

    func refund(_ credits: Int, of debit: UUID, workspace: UUID, key: String, description: String, logger: Logger)
        async throws -> LedgerReceipt?
    {
        precondition(credits > 0)
        return try await client.transaction(logger: logger) { connection in
            var account = try await Account.open(workspace, initialGrant: initialGrant, on: connection, logger: logger)
            if let first = try await account.existing(key, kind: .refund, refundOf: debit) { return first }
            let reference = try await connection.value(String.self, """
                SELECT coalesce(reference, '') FROM control.credit_entries WHERE id = \(debit) AND workspace_id = \(workspace) AND kind = 'debit'
                """, logger: logger).orNotFound(Self.debitNotFound)
            let portions = try await connection.all(Portion.self, """
                SELECT a.lot_id, a.credits - a.refunded AS open FROM control.credit_allocations a
                JOIN control.credit_lots l ON l.entry_id = a.lot_id
                WHERE a.debit_id = \(debit) AND a.credits > a.refunded
                ORDER BY l.expires_at DESC NULLS FIRST, l.created_at DESC
                """, logger: logger)
            let amount = min(credits, portions.reduce(0) { $0 + $1.open })
            guard amount > 0 else { return nil }
            let entry = try await account.write(.refund, amount, key: key, reference: reference, description: description, refundOf: debit)
            var left = amount
            for portion in portions where left > 0 {
                let back = min(left, portion.open)
                left -= back
                try await connection.execute("""
                    WITH a AS (UPDATE control.credit_allocations SET refunded = refunded + \(back)
                               WHERE debit_id = \(debit) AND lot_id = \(portion.lotID) RETURNING lot_id)
                    UPDATE control.credit_lots SET remaining = remaining + \(back) WHERE entry_id IN (SELECT lot_id FROM a) RETURNING entry_id
                    """, logger: logger)
            }
            return LedgerReceipt(entryID: entry, credits: amount, balanceAfter: account.balance, replayed: false)
        }
    }

    /// Staff: a grant (which may expire) or an adjustment either way.
    func grant(_ request: CreditGrant, workspace: UUID, actor: UUID, logger: Logger) async throws -> LedgerReceipt {
        try await client.transaction(logger: logger) { connection in
            var account = try await Account.open(workspace, initialGrant: initialGrant, on: connection, logger: logger)
            let kind: Kind = request.kind == .grant ? .grant : .adjustment
            let key = request.key ?? "staff:\(UUID().uuidString.lowercased())"
            if let first = try await account.existing(key, kind: kind, credits: request.credits) { return first }
            if request.credits < 0 {
                guard account.balance >= -request.credits else { throw Self.exceedsBalance }
                let entry = try await account.write(kind, request.credits, key: key, description: request.description, actor: actor)
                try await account.take(-request.credits, for: nil)
                return LedgerReceipt(entryID: entry, credits: request.credits, balanceAfter: account.balance, replayed: false)
            }
            let entry = try await account.write(
                kind, request.credits, key: key, description: request.description, expiresAt: request.expiresAt, actor: actor)
            try await account.addLot(entry, credits: request.credits, expiresAt: request.expiresAt)
            return LedgerReceipt(entryID: entry, credits: request.credits, balanceAfter: account.balance, replayed: false)
        }
    }

    private struct Portion: Row {
        let lotID: UUID
        let open: Int
        init(row: RowReader) throws {
            lotID = try row("lot_id")
            open = try row("open")
        }
    }
}

/// One workspace's account inside a ledger transaction, its balance row locked.
private struct Account {
    let workspace: UUID
    let connection: PostgresConnection
    let logger: Logger
    var balance: Int

    /// Opens the account if it has none (with the initial grant), locks it and writes off due lots.
    static func open(_ workspace: UUID, initialGrant: Int, on connection: PostgresConnection, logger: Logger) async throws -> Account {
        let created = try await connection.value(Date.self, """
            WITH account AS (
                INSERT INTO control.credit_balances (workspace_id, balance)
                SELECT id, 0 FROM control.workspaces WHERE id = \(workspace)
                ON CONFLICT (workspace_id) DO NOTHING RETURNING workspace_id)
            SELECT w.created_at FROM control.workspaces w JOIN account a ON a.workspace_id = w.id
            """, logger: logger)
        let locked = try await connection.value(Int.self, """
            SELECT balance FROM control.credit_balances WHERE workspace_id = \(workspace) FOR UPDATE
            """, logger: logger)
        guard let locked else { throw CreditAccounts.workspaceNotFound }
        var account = Account(workspace: workspace, connection: connection, logger: logger, balance: locked)
        if let created, initialGrant > 0 {
            let entry = try await account.write(
                .grant, initialGrant, key: "initial_grant", description: "Initial grant", createdAt: created)
            try await account.addLot(entry, credits: initialGrant, expiresAt: nil)
        }
        try await account.expireDueLots()
        return account
    }

    /// The entry a key already names, as a receipt; throws when it was written for something else.
    func existing(_ key: String, kind: CreditAccounts.Kind, credits: Int? = nil, refundOf: UUID? = nil) async throws -> LedgerReceipt? {
        guard let first = try await connection.first(CreditEntry.self, """
            SELECT \(CreditEntry.columns) FROM control.credit_entries WHERE workspace_id = \(workspace) AND idempotency_key = \(key)
            """, logger: logger) else { return nil }
        let same = first.kind == kind.rawValue && (credits == nil || first.credits == credits) && (refundOf == nil || first.refundOf == refundOf)
        guard same else { throw CreditErrors.keyReused }
        return LedgerReceipt(entryID: first.id, credits: first.credits, balanceAfter: first.balanceAfter, replayed: true)
    }

    /// Appends an entry and moves the balance by `credits`.
    mutating func write(
        _ kind: CreditAccounts.Kind, _ credits: Int, key: String, reference: String? = nil, description: String,
        refundOf: UUID? = nil, expiresAt: Date? = nil, actor: UUID? = nil, createdAt: Date? = nil
    ) async throws -> UUID {
        let id = UUID()
        balance += credits
        try await connection.execute("""
            WITH entry AS (
                INSERT INTO control.credit_entries
                    (id, workspace_id, kind, credits, balance_after, idempotency_key, reference, description, refund_of, expires_at, actor_id, created_at)
                VALUES (\(id), \(workspace), \(kind.rawValue), \(credits), \(balance), \(key), \(reference), \(description), \(refundOf),
                        \(expiresAt), \(actor), coalesce(\(createdAt), clock_timestamp()))
                RETURNING id)
            UPDATE control.credit_balances SET balance = \(balance), updated_at = now()
            WHERE workspace_id = \(workspace) AND EXISTS (SELECT 1 FROM entry) RETURNING workspace_id
            """, logger: logger)
        return id
    }

    func addLot(_ entry: UUID, credits: Int, expiresAt: Date?) async throws {
        try await connection.execute("""
            INSERT INTO control.credit_lots (entry_id, workspace_id, expires_at, remaining) VALUES (\(entry), \(workspace), \(expiresAt), \(credits))
            RETURNING entry_id
            """, logger: logger)
    }

    /// Takes `credits` from the lots that expire first (recorded against `debit`, for its refunds).
    func take(_ credits: Int, for debit: UUID?) async throws {
        let lots = try await connection.all(OpenLot.self, """
            SELECT entry_id, remaining FROM control.credit_lots WHERE workspace_id = \(workspace) AND remaining > 0
            ORDER BY expires_at NULLS LAST, created_at, entry_id
            """, logger: logger)
        var left = credits
        for lot in lots where left > 0 {
            let part = min(left, lot.remaining)
            left -= part
            try await connection.execute("""
                UPDATE control.credit_lots SET remaining = remaining - \(part) WHERE entry_id = \(lot.id) RETURNING entry_id
                """, logger: logger)
            if let debit {
                try await connection.execute("""
                    INSERT INTO control.credit_allocations (debit_id, lot_id, credits) VALUES (\(debit), \(lot.id), \(part)) RETURNING debit_id
                    """, logger: logger)
            }
        }
        precondition(left == 0, "the lots of \(workspace) hold less than its balance")
    }

    /// Writes off what is left of every lot past its date, each as an `expiry` entry (carrying the
    /// lot's date) written now, so the ledger's order stays the order its balances were computed in.
    mutating func expireDueLots() async throws {
        let due = try await connection.all(DueLot.self, """
            SELECT entry_id, remaining, expires_at FROM control.credit_lots
            WHERE workspace_id = \(workspace) AND remaining > 0 AND expires_at <= now()
            ORDER BY expires_at, created_at
            """, logger: logger)
        for lot in due {
            _ = try await write(
                .expiry, -lot.remaining, key: "expiry:\(UUID().uuidString.lowercased())", reference: "credit_lot:\(lot.id.uuidString.lowercased())",
                description: "Expired", expiresAt: lot.expiresAt)
            try await connection.execute("UPDATE control.credit_lots SET remaining = 0 WHERE entry_id = \(lot.id) RETURNING entry_id", logger: logger)
        }
    }

    private struct OpenLot: Row {
        let id: UUID
        let remaining: Int
        init(row: RowReader) throws {
            id = try row("entry_id")
            remaining = try row("remaining")
        }
    }

    private struct DueLot: Row {
        let id: UUID
        let remaining: Int
        let expiresAt: Date
        init(row: RowReader) throws {
            id = try row("entry_id")
            remaining = try row("remaining")
            expiresAt = try row("expires_at")
        }
    }
}
