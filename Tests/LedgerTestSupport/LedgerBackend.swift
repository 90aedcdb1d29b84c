/// A storage the ledger can live in. Every contract test runs its body once per case.
public enum LedgerBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    /// The backends the contract suite runs on. PostgreSQL joins once `PostgresLedger`
    /// conforms to `Ledger`; until then `LedgerFixture.with(.postgres)` says so.
    public static var allCases: [LedgerBackend] { [.sqlite] }

    public var description: String { rawValue }
}
