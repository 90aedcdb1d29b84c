import ArgumentParser

/// Benchmarks of unpaidd's hot paths, run against real files in release builds.
@main
struct UnpaiddBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpaidd-bench",
        abstract: "Measure unpaidd's hot paths on real inputs.",
        subcommands: [XLSXBenchmark.self, PipelineBenchmark.self, LedgerCommand.self, VerifyBenchmark.self,
                      AuditBenchmark.self, PostgresCopyBenchmark.self, PostgresLedgerBenchmark.self,
                      PostgresAuditBenchmark.self, ReplicasBenchmark.self, AllBenchmarks.self])
}
