extension LedgerFixture {
    /// `body` on a fresh ledger of each backend, the reference (SQLite) first: for the tests
    /// that record one history on both and compare what each stored or answered.
    public static func onBoth<Result>(_ body: (LedgerFixture) async throws -> Result) async throws
        -> (sqlite: Result, postgres: Result) {
        (try await with(.sqlite, body), try await with(.postgres, body))
    }
}
