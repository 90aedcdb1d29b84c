import ArgumentParser

/// Benchmarks of unpaidd's hot paths, run against real files in release builds.
struct UnpaiddBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpaidd-bench",
        abstract: "Measure unpaidd's hot paths on real inputs.",
        subcommands: [XLSXBenchmark.self])
}

UnpaiddBench.main()
