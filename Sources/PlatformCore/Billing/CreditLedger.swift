import Foundation
import HTTPTypes
import Logging

/// A workspace's credits as a tenant plane spends them (visibility runs): the control plane keeps
/// the ledger. Every write names a key unique in its workspace; writing again with the same key
/// answers the first entry and changes nothing, so a retried request or a resumed job never
/// charges or refunds twice.
public protocol CreditLedger: Sendable {
    /// Takes `credits` from the balance, or throws `CreditErrors.insufficient` (402) and takes
    /// nothing. The same key again answers the first debit (`replayed`).
    func debit(_ credits: Int, workspace: UUID, key: String, reference: String, description: String, actor: UUID?, logger: Logger)
        async throws -> LedgerReceipt

    /// Gives back up to `credits` of an earlier debit (never more than what its other refunds
    /// left), into the lots it was taken from. Answers nil when nothing was left to give back.
    func refund(_ credits: Int, of debit: UUID, workspace: UUID, key: String, description: String, logger: Logger)
        async throws -> LedgerReceipt?
}

public struct LedgerReceipt: Sendable, Equatable {
    public let entryID: UUID
    /// Signed, as the ledger records it: negative for a debit.
    public let credits: Int
    public let balanceAfter: Int
    /// True when the key had been used: this is the first entry, unchanged.
    public let replayed: Bool

    public init(entryID: UUID, credits: Int, balanceAfter: Int, replayed: Bool) {
        self.entryID = entryID
        self.credits = credits
        self.balanceAfter = balanceAfter
        self.replayed = replayed
    }
}

public enum CreditErrors {
    public static func insufficient(required: Int, balance: Int) -> AppError {
        AppError(
            HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"), code: "insufficient_credits", message: "Insufficient credits.",
            details: ["required": .number(Double(required)), "balance": .number(Double(balance))])
    }

    public static let keyReused = AppError(
        .unprocessableContent, code: "ledger_key_reused", message: "This ledger key was already used for a different entry.")
}
