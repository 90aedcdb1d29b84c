import ArgumentParser

/// `unpaidd ledger …`: moving a ledger between backends.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Ledger maintenance: copy a SQLite ledger's whole history into PostgreSQL.",
        subcommands: [LedgerCopyCommand.self])
}
