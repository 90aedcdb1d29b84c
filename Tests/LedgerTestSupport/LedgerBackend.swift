/// A storage the ledger can live in. Every contract test runs its body once per case.
public enum LedgerBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }
}
