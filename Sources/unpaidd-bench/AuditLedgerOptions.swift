import ArgumentParser

/// The two audit ledgers both audit benchmarks time (built once into `directory`, then
/// reused) and which query to time: SQLite's `audit` and `audit-postgres` share them.
struct AuditLedgerOptions: ParsableArguments {
    @Option(help: "Folder of the two SQLite audit ledgers (built once, then reused, so the next run only measures).")
    var directory = "bench-cache/audit"

    @Option(help: "orders, rollforward, aging, report, or all.")
    var query = "all"

    @Option(help: "Orders in the large series.")
    var orders = 1_000_000

    @Option(help: "Daily snapshots after the first, each replacing 0.5% of the orders and changing the amount of 0.5%.")
    var days = 30

    /// Whether `--query` asks for `name`.
    func times(_ name: String) -> Bool { [name, "all"].contains(query) }
}
