// swift-tools-version: 6.2
import PackageDescription

// Layout follows the data: a pure core (UnpaidCore), one adapter per outside
// thing (CurlTransport, BillingAPI, XLSXReader + UnpaidExport, Ledger, Webhooks),
// wired together by UnpaidDaemon and the executables.
let package = Package(
    name: "unpaidd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "unpaidd", targets: ["unpaidd"]),
        .executable(name: "unpaidd-sim", targets: ["unpaidd-sim"]),
        .executable(name: "unpaidd-bench", targets: ["unpaidd-bench"]),
        .library(name: "XLSXReader", targets: ["XLSXReader"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", exact: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        // Metrics: swift-metrics is the server ecosystem's instrumentation API (adapters count
        // without knowing the backend); swift-prometheus renders the text exposition format.
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        // PostgreSQL ledger: a well-kept driver (SCRAM, TLS, COPY, pooling) rather than a
        // hand-written wire protocol. It compiles swift-nio-ssl, so it costs minutes in a cold build.
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
    ],
    targets: [
        // MARK: system libraries and C shims
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Intel ISA-L: raw-deflate inflate and CRC-32 2-3x faster than zlib, for large sheets.
        .systemLibrary(name: "CISAL", path: "Sources/CISAL", providers: [.apt(["libisal-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // curl_easy_setopt/getinfo are variadic C macros Swift cannot call: typed wrappers.
        .target(name: "CCurlShim", dependencies: ["CCurl"], path: "Sources/CCurlShim"),

        // MARK: pure core, no I/O
        .target(name: "UnpaidCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),

        // MARK: adapters
        .target(name: "XLSXReader", dependencies: ["CZlib", "CISAL"]),
        // Orders sorted by number in runs spilled to a temporary file, merged back.
        .target(name: "OrderSpill", dependencies: ["UnpaidCore"]),
        .target(name: "UnpaidExport", dependencies: ["UnpaidCore", "OrderSpill", "XLSXReader"]),
        .target(name: "CurlTransport", dependencies: [
            "CCurlShim", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "BillingAPI", dependencies: [
            "UnpaidCore", "CurlTransport", .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        // The ledger's interface: its values, errors and protocols, and the logic every
        // backend shares (the chain's canonical encoding, series audit). No database here.
        .target(name: "Ledger", dependencies: [
            "UnpaidCore", "OrderSpill", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The embedded default: one SQLite file through GRDB.
        .target(name: "SQLiteLedger", dependencies: [
            "Ledger", "UnpaidCore", "OrderSpill", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The ledger on PostgreSQL, for several replicas and BI tools on one shared database.
        .target(name: "PostgresLedger", dependencies: [
            "Ledger", "OrderSpill", "UnpaidCore", .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Webhooks", dependencies: [
            "UnpaidCore", "CurlTransport", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // MARK: presentation: tables, CSV, JSON, HTML of the ledger's audit queries
        .target(name: "UnpaidReports", dependencies: ["UnpaidCore", "Ledger"]),
        // Prometheus exposition (/metrics, /healthz) of what the adapters count, plus gauges
        // read from the ledger at each scrape.
        .target(name: "UnpaidMetrics", dependencies: [
            "Ledger", .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // MARK: wiring
        .target(name: "UnpaidDaemon", dependencies: [
            "UnpaidCore", "OrderSpill", "UnpaidExport", "CurlTransport", "BillingAPI", "Ledger", "SQLiteLedger", "Webhooks",
            "UnpaidMetrics", "PostgresLedger", .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "unpaidd", dependencies: [
            "UnpaidDaemon", "UnpaidReports", "UnpaidCore", "Ledger", "SQLiteLedger", "PostgresLedger",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: loopback simulator of the cloud (tests and demo)
        .target(name: "BillingSimulator", dependencies: [
            "UnpaidCore", "CZlib", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(name: "unpaidd-sim", dependencies: [
            "BillingSimulator", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "unpaidd-bench", dependencies: [
            "OrderSpill", "UnpaidExport", "Ledger", "SQLiteLedger", "UnpaidReports", "UnpaidDaemon", "BillingSimulator",
            "PostgresLedger", .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: tests (Swift Testing)
        // The loopback HTTP server the network-facing test targets share.
        .target(name: "LoopbackTestSupport", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Tests/LoopbackTestSupport"),
        // A real PostgreSQL server per test process (initdb/pg_ctl in a temporary directory).
        .target(name: "PostgresTestSupport", dependencies: [
            "PostgresLedger", .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/PostgresTestSupport"),
        // One fresh ledger per backend, for the contract tests every backend passes.
        .target(name: "LedgerTestSupport", dependencies: [
            "Ledger", "SQLiteLedger", "PostgresLedger", "PostgresTestSupport", "UnpaidCore",
            .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/LedgerTestSupport"),
        // One seeded generator for every test target that needs replayable randomness.
        .target(name: "SeededRandomness", path: "Tests/SeededRandomness"),
        .testTarget(name: "UnpaidCoreTests", dependencies: ["UnpaidCore", "SeededRandomness"]),
        .testTarget(name: "XLSXReaderTests", dependencies: ["XLSXReader"]),
        .testTarget(name: "OrderSpillTests", dependencies: ["OrderSpill", "UnpaidCore", "SeededRandomness"]),
        .testTarget(name: "UnpaidExportTests", dependencies: ["UnpaidExport"]),
        .testTarget(name: "CurlTransportTests", dependencies: [
            "LoopbackTestSupport", "CurlTransport", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "BillingAPITests", dependencies: [
            "LoopbackTestSupport", "BillingAPI", "UnpaidCore", "CurlTransport", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "LedgerTests", dependencies: [
            "Ledger", "SQLiteLedger", "LedgerTestSupport", "OrderSpill", "SeededRandomness",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "PostgresLedgerTests", dependencies: [
            "PostgresLedger", "PostgresTestSupport", "LedgerTestSupport", "Ledger", "OrderSpill", "UnpaidCore",
            .product(name: "PostgresNIO", package: "postgres-nio"), "SeededRandomness",
        ]),
        .testTarget(name: "UnpaidReportsTests", dependencies: ["UnpaidReports", "Ledger", "SQLiteLedger", "UnpaidCore", "SeededRandomness"]),
        .testTarget(name: "UnpaidMetricsTests", dependencies: [
            "LoopbackTestSupport", "UnpaidMetrics", "Ledger", "SQLiteLedger", .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .testTarget(name: "WebhooksTests", dependencies: [
            "LoopbackTestSupport", "SeededRandomness", "Webhooks", .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "BillingSimulatorTests", dependencies: ["BillingSimulator", "UnpaidCore", "CZlib"]),
        .testTarget(name: "UnpaidDaemonTests", dependencies: [
            "LoopbackTestSupport", "SeededRandomness", "UnpaidDaemon", "UnpaidReports", "BillingSimulator",
            "PostgresTestSupport", "PostgresLedger", "Ledger", "SQLiteLedger", .product(name: "Hummingbird", package: "hummingbird"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
