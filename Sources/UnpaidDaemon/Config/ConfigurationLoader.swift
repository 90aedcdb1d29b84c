import CurlTransport
import Foundation
import TOMLKit
import UnpaidCore

extension Configuration {
    /// Reads and validates a TOML configuration file; never touches the network.
    ///
    /// `secretsRequired: false` is for commands that never send a webhook (history,
    /// alerts, deliveries, schedule): a target whose `url_env` or `secret_env` names a
    /// variable unset in their environment loads unresolved instead of failing, so that
    /// finance can query the ledger without the robots' secrets.
    public static func load(file: String, secretsRequired: Bool = true) throws(ConfigurationError) -> Configuration {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigurationError(file: file, key: nil, problem: "cannot read the file (does it exist and is it readable?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: file, key: nil, problem: "not UTF-8 text")
        }
        let configuration = try parse(text, file: file, secretsRequired: secretsRequired)
        SecretRedactor.shared.learn(targets: configuration.alerts.targets)
        return configuration
    }

    public static func parse(_ text: String, file: String,
                             environment: [String: String] = ProcessInfo.processInfo.environment,
                             secretsRequired: Bool = true) throws(ConfigurationError) -> Configuration {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(file: file, key: nil,
                                     problem: "line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigurationError(file: file, key: nil, problem: "not valid TOML: \(error)")
        }
        var root = TableReader(table, file: file, path: "")
        let timeZone = try zone(root.string("timezone") ?? "UTC", reader: root, key: "timezone")

        guard var apiTable = try root.table("api") else { throw root.error("api", "the [api] table is required") }
        let api = try parseAPI(&apiTable)
        var storageTable = try root.table("storage") ?? TableReader(TOMLTable(), file: file, path: "storage")
        let storage = try parseStorage(&storageTable)
        var downloadTable = try root.table("download") ?? TableReader(TOMLTable(), file: file, path: "download")
        let download = try parseDownload(&downloadTable, loopbackFromAPI: api.allowHTTPLoopback)
        var exportTable = try root.table("export") ?? TableReader(TOMLTable(), file: file, path: "export")
        let export = try parseExport(&exportTable)

        var jobs: [JobSettings] = []
        for var jobTable in try root.tables("job") {
            let job = try parseJob(&jobTable, defaultZone: timeZone)
            if jobs.contains(where: { $0.name == job.name }) {
                throw jobTable.error("name", "another job is already named \"\(job.name)\"")
            }
            jobs.append(job)
        }
        guard !jobs.isEmpty else { throw root.error("job", "at least one [[job]] is required") }
        let alerts = try AlertSettings.parse(&root, jobs: jobs, environment: environment,
                                             secretsRequired: secretsRequired, timeZone: timeZone)
        let daemon = try DaemonSettings.parse(&root)
        let aging = try AgingSettings.parse(&root)
        let metrics = try MetricsSettings.parse(&root)
        try root.rejectUnknownKeys()
        return Configuration(file: file, timeZone: timeZone, api: api, download: download,
                             storage: storage, export: export, jobs: jobs, alerts: alerts, daemon: daemon,
                             aging: aging, metrics: metrics)
    }

    private static func zone(_ name: String, reader: TableReader, key: String) throws(ConfigurationError) -> TimeZone {
        guard let zone = TimeZone(identifier: name) else {
            throw reader.error(key, "unknown time zone \"\(name)\": expected an IANA name such as Asia/Shanghai or UTC")
        }
        return zone
    }

    private static func parseAPI(_ table: inout TableReader) throws(ConfigurationError) -> APISettings {
        let endpoint = try table.requiredString("endpoint")
        guard let url = URL(string: endpoint), let scheme = url.scheme, ["https", "http"].contains(scheme), url.host != nil else {
            throw table.error("endpoint", "expected an http(s) URL such as https://api.ucloud.cn, found \"\(endpoint)\"")
        }
        let allowHTTP = try table.bool("allow_http_loopback") ?? false
        if scheme == "http", !(allowHTTP && DownloadPolicy.isLoopback(url.host ?? "")) {
            throw table.error("endpoint", "must be https (plain http is allowed only for a loopback simulator with api.allow_http_loopback = true)")
        }
        let publicKey = try table.requiredString("public_key")
        let keyFile = try table.string("private_key_file")
        let keyEnvironment = try table.string("private_key_env")
        if keyFile != nil, keyEnvironment != nil {
            throw table.error("private_key_env", "set either private_key_file or private_key_env, not both")
        }
        let source: PrivateKeySource = keyFile.map { .file($0) } ?? keyEnvironment.map { .environment($0) } ?? .systemdCredential
        let settings = APISettings(
            endpoint: endpoint, allowHTTPLoopback: allowHTTP, publicKey: publicKey, privateKeySource: source,
            region: try table.string("region"), zone: try table.string("zone"), projectID: try table.string("project_id"),
            requestTimeoutSeconds: try table.seconds("timeout_seconds", in: 1...600) ?? 30,
            maxAttempts: try table.int("max_attempts", in: 1...20) ?? 5)
        try table.rejectUnknownKeys()
        return settings
    }

    private static func parseStorage(_ table: inout TableReader) throws(ConfigurationError) -> StorageSettings {
        let database = try table.string("database") ?? "/var/lib/unpaidd/ledger.sqlite"
        let passwordEnvironment = try table.string("password_env")
        if passwordEnvironment?.isEmpty == true {
            throw table.error("password_env", "must name the environment variable holding the database password")
        }
        let ledger: LedgerLocation
        do {
            ledger = try LedgerLocation.parse(database: database, passwordEnvironment: passwordEnvironment,
                                              key: table.keyPath("database"))
        } catch {
            // The location's message starts with the key and never quotes a URL holding a password.
            let prefix = table.keyPath("database") + ": "
            let text = error.description
            throw table.error("database", text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text)
        }
        if passwordEnvironment != nil, ledger.sqlitePath != nil {
            throw table.error("password_env", "only a postgresql:// database has a password; remove it, or set database to a postgresql:// URL")
        }
        if ledger.sqlitePath != nil, let scheme = database.range(of: "://").map({ String(database[..<$0.lowerBound]) }) {
            // Taken as a path, a URL would become folders named after the server. The value is
            // not repeated: a URL may carry a password.
            throw table.error("database", "expected the path of the SQLite ledger file or a postgresql:// URL, found a \(scheme):// URL")
        }
        let archive = try table.string("archive_dir") ?? "/var/lib/unpaidd/archive"
        let spool = try table.string("spool_dir") ?? archive + "/.spool"
        let retention = try table.string("archive_retention").map { text throws(ConfigurationError) in
            guard let seconds = Schedule.durationSeconds(text), seconds >= 86_400 else {
                throw table.error("archive_retention", "expected a duration of at least a day such as \"400d\", found \"\(text)\"; leave it out to keep files forever")
            }
            return TimeInterval(seconds)
        }
        try table.rejectUnknownKeys()
        return StorageSettings(ledger: ledger, archiveDirectory: archive, spoolDirectory: spool,
                               archiveRetentionSeconds: retention)
    }

    /// A loopback simulator serves the API and its files alike, so `api.allow_http_loopback`
    /// also covers downloads; `download.allow_http_loopback`, when written, still decides
    /// for downloads alone, as it always did.
    private static func parseDownload(_ table: inout TableReader,
                                      loopbackFromAPI: Bool) throws(ConfigurationError) -> DownloadSettings {
        let hosts = try table.strings("allowed_hosts") ?? [".ufileos.com"]
        if hosts.isEmpty { throw table.error("allowed_hosts", "must name at least one host or suffix") }
        let settings = DownloadSettings(
            allowedHosts: hosts,
            allowHTTPLoopback: try table.bool("allow_http_loopback") ?? loopbackFromAPI,
            connectTimeoutSeconds: try table.seconds("connect_timeout_seconds", in: 1...300) ?? 10,
            totalTimeoutSeconds: try table.seconds("total_timeout_seconds", in: 1...86_400) ?? 1_800,
            lowSpeedBytesPerSecond: try table.int("low_speed_bytes_per_second", in: 1...1_000_000_000) ?? 1_024,
            lowSpeedSeconds: try table.seconds("low_speed_seconds", in: 1...3_600) ?? 60,
            urlRefreshes: try table.int("url_refreshes", in: 0...10) ?? 2,
            resumeAttempts: try table.int("resume_attempts", in: 0...20) ?? 3)
        try table.rejectUnknownKeys()
        return settings
    }

    private static func parseExport(_ table: inout TableReader) throws(ConfigurationError) -> ExportSettings {
        var aliases: [String: [String]] = [:]
        if var aliasTable = try table.table("column_aliases") {
            for field in aliasTable.allKeys() {
                aliases[field] = try aliasTable.strings(field)
            }
        }
        let settings = ExportSettings(
            columnAliases: aliases,
            maxUncompressedBytes: try table.int("max_uncompressed_bytes", in: 1_024...(64 << 30)) ?? (4 << 30),
            maxCompressionRatio: try table.int("max_compression_ratio", in: 10...100_000) ?? 1_000,
            maxColumns: try table.int("max_columns", in: 1...16_384) ?? 16_384,
            maxRows: try table.int("max_rows", in: 1...1_000_000_000) ?? ExportSettings.defaultMaxRows)
        try table.rejectUnknownKeys()
        return settings
    }

    private static func parseJob(_ table: inout TableReader, defaultZone: TimeZone) throws(ConfigurationError) -> JobSettings {
        let name = try table.requiredString("name")
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw table.error("name", "use letters, digits, '-', '_' or '.' only (it names folders and log fields), found \"\(name)\"")
        }
        guard let organizations = try table.ints("organizations"), !organizations.isEmpty else {
            throw table.error("organizations", "is required: a non-empty array of organization ids, e.g. [100001, 100002]")
        }
        if let bad = organizations.first(where: { $0 <= 0 }) {
            throw table.error("organizations", "organization ids are positive integers, found \(bad)")
        }
        let periodText = try table.requiredString("period")
        let period: PeriodSpec
        do { period = try PeriodSpec(parsing: periodText) } catch { throw table.error("period", error.description) }
        let zone = try zone(table.string("timezone") ?? defaultZone.identifier, reader: table, key: "timezone")
        let timing = try JobTiming.parse(&table)
        var filters = QueryFilters()
        if var filterTable = try table.table("filters") {
            filters.resourceIDs = try filterTable.strings("resource_ids") ?? []
            filters.modelIDs = try filterTable.strings("model_ids") ?? []
            filters.pricingUnits = try filterTable.ints("pricing_units") ?? []
            filters.orderTypes = try filterTable.ints("order_types") ?? []
            filters.pricingSKUs = try filterTable.strings("pricing_skus") ?? []
            filters.productCodes = try filterTable.strings("product_codes") ?? []
            filters.regions = try filterTable.strings("regions") ?? []
            if let unknown = filters.productCodes.first(where: { !QueryFilters.knownProductCodes.contains($0) }) {
                throw filterTable.error("product_codes", "unknown product code \"\(unknown)\": expected modelverse or sandbox")
            }
            try filterTable.rejectUnknownKeys()
        }
        let reconcile = try table.bool("reconcile") ?? true
        try table.rejectUnknownKeys()
        var job = JobSettings(name: name, organizations: organizations.map(Int64.init), period: period,
                              timeZone: zone, schedule: timing.schedule, scheduleText: timing.text,
                              catchUp: timing.catchUp, catchUpWindow: timing.catchUpWindow,
                              randomDelay: timing.randomDelay, filters: filters)
        job.reconcile = reconcile
        return job
    }
}
