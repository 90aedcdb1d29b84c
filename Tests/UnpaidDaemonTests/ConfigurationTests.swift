import Foundation
import PostgresLedger
import Testing
@testable import UnpaidDaemon

@Suite struct ConfigurationTests {
    static let packageRoot = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    let minimal = """
    [api]
    endpoint = "https://api.ucloud.cn"
    public_key = "pub"
    private_key_env = "KEY"

    [[job]]
    name = "j"
    organizations = [1]
    period = "previous-day"
    """

    func problem(_ text: String) -> ConfigurationError? {
        do {
            _ = try Configuration.parse(text, file: "test.toml")
            return nil
        } catch {
            return error
        }
    }

    @Test func exampleConfigurationDocumentsAValidFile() async throws {
        let config = try Configuration.parse(
            String(contentsOfFile: Self.packageRoot + "/etc/unpaidd.example.toml", encoding: .utf8),
            file: "unpaidd.example.toml",
            environment: ["UNPAIDD_FEISHU_URL": "https://open.feishu.cn/open-apis/bot/v2/hook/token",
                          "UNPAIDD_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        #expect(config.alerts.rules.map(\.name) == ["unpaid-grew", "ceiling", "export-stale", "export-failing"])
        #expect(config.alerts.rules[2].condition == .stale(afterSeconds: 26 * 3_600))
        #expect(config.alerts.targets.map(\.name) == ["finance-chat", "incidents"])
        #expect(config.timeZone.identifier == "Asia/Shanghai")
        #expect(config.jobs.map(\.name) == ["monthly", "daily"])
        #expect(config.jobs[0].organizations == [100001, 100002])
        #expect(config.jobs[0].filters.productCodes == ["modelverse", "sandbox"])
        #expect(config.storage.spoolDirectory == "/var/lib/unpaidd/archive/.spool")
        #expect(config.api.privateKeySource == .file("/etc/unpaidd/private-key"))
    }

    @Test func defaultsApply() async throws {
        let config = try Configuration.parse(minimal, file: "test.toml")
        #expect(config.timeZone.secondsFromGMT(for: Date()) == 0)
        #expect(config.download.allowedHosts == [".ufileos.com"])
        #expect(config.download.allowHTTPLoopback == false)
        #expect(config.api.maxAttempts == 5)
        #expect(config.export.maxRows == 10_000_000)
    }

    @Test func maxRowsIsAPositiveCount() async throws {
        #expect(try Configuration.parse(minimal + "\n[export]\nmax_rows = 2000000\n", file: "t.toml").export.maxRows
                == 2_000_000)
        #expect(problem(minimal + "\n[export]\nmax_rows = 0\n")?.key == "export.max_rows")
    }

    @Test func unknownKeysAreNamed() {
        let error = problem(minimal.replacingOccurrences(of: "organizations", with: "organisations"))
        #expect(error?.key == "job[1].organizations" || error?.key == "job[1].organisations")
        #expect(problem(minimal + "\ncolour = 1\n")?.description.contains("job[1].colour: unknown key") == true)
    }

    @Test func badValuesNameTheKeyAndWhatWasExpected() {
        let period = problem(minimal.replacingOccurrences(of: "previous-day", with: "yesterday"))
        #expect(period?.key == "job[1].period")
        #expect(period?.problem.contains("previous-month") == true)
        let zone = problem("timezone = \"Mars/Olympus\"\n" + minimal)
        #expect(zone?.key == "timezone")
        let organizations = problem(minimal.replacingOccurrences(of: "[1]", with: "[\"a\"]"))
        #expect(organizations?.key == "job[1].organizations[0]")
        let product = problem(minimal + "\n[job.filters]\nproduct_codes = [\"uhost\"]\n")
        #expect(product?.key == "job[1].filters.product_codes")
    }

    /// Read as a path, a URL would create folders named after the server; and it may carry a
    /// password, which the error must not repeat.
    @Test func aDatabaseURLWithAPasswordIsRefusedWithoutRepeatingIt() {
        for url in ["postgresql://unpaidd:hunter2@db.internal/unpaidd", "postgres://unpaidd@db.internal/unpaidd?password=hunter2"] {
            let error = problem("[storage]\ndatabase = \"\(url)\"\n" + minimal)
            #expect(error?.key == "storage.database")
            #expect(error?.problem.contains("the URL contains a password") == true, "\(String(describing: error))")
            #expect(error?.problem.contains("storage.password_env") == true)
            #expect(error.map { "\($0)" }?.contains("hunter2") == false)
        }
        #expect(problem("[storage]\ndatabase = \"/var/lib/unpaidd/ledger.sqlite\"\n" + minimal) == nil)
    }

    @Test func aPostgresURLIsTheLedgerWithItsPasswordVariableAndTLS() throws {
        let text = "[storage]\ndatabase = \"postgresql://unpaidd@db.internal:6432/ledger?sslmode=verify-full\"\n"
            + "password_env = \"UNPAIDD_DB_PASSWORD\"\narchive_dir = \"/srv/unpaidd/archive\"\n" + minimal
        let storage = try Configuration.parse(text, file: "test.toml").storage
        let location = PostgresLocation(endpoint: .tcp(host: "db.internal", port: 6432), user: "unpaidd", database: "ledger",
                                        tlsMode: .verifyFull, password: .environment("UNPAIDD_DB_PASSWORD"))
        #expect(storage.ledger == .postgres(location))
        #expect(storage.ledger.sqlitePath == nil)
        #expect(storage.database == "postgresql://unpaidd@db.internal:6432/ledger?sslmode=verify-full"
                + " (password: environment variable UNPAIDD_DB_PASSWORD)")
        // Without password_env: the systemd credential, when there is one.
        let plain = try Configuration.parse("[storage]\ndatabase = \"postgres://unpaidd@db/ledger\"\n" + minimal,
                                            file: "test.toml").storage
        #expect(plain.ledger == .postgres(PostgresLocation(endpoint: .tcp(host: "db", port: 5432), user: "unpaidd",
                                                           database: "ledger")))
        #expect(try Configuration.parse(minimal, file: "test.toml").storage.ledger == .sqlite(path: "/var/lib/unpaidd/ledger.sqlite"))
    }

    /// The example's commented PostgreSQL lines, uncommented in place of the SQLite path, load.
    @Test func theExamplesPostgresLinesAreAValidStorage() throws {
        let example = try String(contentsOfFile: Self.packageRoot + "/etc/unpaidd.example.toml", encoding: .utf8)
        let text = example
            .replacingOccurrences(of: "database = \"/var/lib/unpaidd/ledger.sqlite\"\n", with: "")
            .replacingOccurrences(of: "# database = \"postgresql://", with: "database = \"postgresql://")
            .replacingOccurrences(of: "# password_env = ", with: "password_env = ")
        let config = try Configuration.parse(text, file: "unpaidd.example.toml",
                                             environment: ["UNPAIDD_FEISHU_URL": "https://open.feishu.cn/open-apis/bot/v2/hook/t",
                                                           "UNPAIDD_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        guard case .postgres(let location) = config.storage.ledger else {
            Issue.record("the example's PostgreSQL lines did not load: \(config.storage.ledger)")
            return
        }
        #expect(location.tlsMode == .verifyFull)
        #expect(location.password == .environment("UNPAIDD_DB_PASSWORD"))
    }

    @Test func aBadLedgerLocationNamesTheKeyAndWhatIsExpected() {
        let cases: [(storage: String, key: String, says: String)] = [
            ("database = \"postgresql://db.internal/unpaidd\"", "storage.database", "names no user"),
            ("database = \"postgresql://u@db/unpaidd?sslmode=maybe\"", "storage.database", "sslmode=\"maybe\" is not valid"),
            ("database = \"postgresql://u@db/unpaidd?ssl_mode=require\"", "storage.database", "unknown URL parameter \"ssl_mode\""),
            ("database = \"mysql://u@db/unpaidd\"", "storage.database", "or a postgresql:// URL, found a mysql:// URL"),
            ("database = \"/var/lib/unpaidd/ledger.sqlite\"\npassword_env = \"PW\"", "storage.password_env",
             "only a postgresql:// database has a password"),
            ("database = \"postgresql://u@db/unpaidd\"\npassword_env = \"\"", "storage.password_env", "must name"),
        ]
        for (storage, key, says) in cases {
            let error = problem("[storage]\n\(storage)\n" + minimal)
            #expect(error?.key == key, "\(storage)")
            #expect(error?.problem.contains(says) == true, "\(storage): \(String(describing: error))")
            #expect(error?.problem.hasPrefix("storage.") == false, "the key is not repeated: \(String(describing: error))")
        }
    }

    @Test func syntaxErrorsGiveTheLine() {
        let error = problem("[api\nendpoint = 1")
        #expect(error?.key == nil)
        #expect(error?.problem.contains("line 1") == true)
    }

    @Test func missingTablesAndJobs() {
        #expect(problem("timezone = \"UTC\"")?.key == "api")
        let noJobs = String(minimal.prefix(upTo: minimal.range(of: "[[job]]")!.lowerBound))
        #expect(problem(noJobs)?.key == "job")
        let duplicate = minimal + "\n[[job]]\nname = \"j\"\norganizations = [2]\nperiod = \"previous-day\"\n"
        #expect(problem(duplicate)?.key == "job[2].name")
    }

    @Test func privateKeyFileReadableByOthersIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "unpaidd-key-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/private-key"
        try "secret-value\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        #expect(throws: PrivateKeyError.tooOpen(path, mode: 0o644)) { try PrivateKeySource.file(path).load() }
        do {
            _ = try PrivateKeySource.file(path).load()
        } catch {
            #expect(!error.description.contains("secret-value"))
        }
        chmod(path, 0o600)
        #expect(try PrivateKeySource.file(path).load() == "secret-value")
        #expect(try PrivateKeySource.systemdCredential.load(environment: ["CREDENTIALS_DIRECTORY": directory]) == "secret-value")
        #expect(throws: PrivateKeyError.noCredentialsDirectory) { try PrivateKeySource.systemdCredential.load(environment: [:]) }
        #expect(try PrivateKeySource.environment("K").load(environment: ["K": "abc"]) == "abc")
    }

    @Test func alertMistakesNameTheKey() {
        let target = "\n[[target]]\nname = \"t\"\nformat = \"slack\"\nurl = \"https://hooks.slack.com/services/X\"\n"
        #expect(problem(minimal + target + "\n[[alert]]\nname = \"a\"\non = \"up\"\ntargets = [\"t\"]\n")?.key == "alert[1].on")
        #expect(problem(minimal + target + "\n[[alert]]\nname = \"a\"\non = \"increase\"\ntargets = [\"nobody\"]\n")?
            .description.contains("nobody") == true)
        #expect(problem(minimal + target + "\n[[alert]]\nname = \"a\"\non = \"increase\"\njobs = [\"x\"]\ntargets = [\"t\"]\n")?.key
            == "alert[1].jobs")
        #expect(problem(minimal.replacingOccurrences(of: "slack", with: "x") + target.replacingOccurrences(of: "slack", with: "teams"))?.key
            == "target[1].format")
        #expect(problem(minimal + target + "max_per_minute = 0\n")?.key == "target[1].max_per_minute")
        let paced = try? Configuration.parse(minimal + target + "max_per_minute = 10\n", file: "test.toml")
        #expect(paced?.alerts.targets.first?.maxPerMinute == 10)
        let missingVariable = problem(minimal + "\n[[target]]\nname = \"t\"\nformat = \"slack\"\nurl_env = \"NOPE\"\n")
        #expect(missingVariable?.key == "target[1].url_env")
    }

    /// history, alerts, deliveries and schedule never send: finance may run them without
    /// the robots' secrets in their environment. Everything else is still checked.
    @Test func commandsThatNeverSendLoadTargetsWhoseVariablesAreUnset() async throws {
        let targets = """

            [[target]]
            name = "ops"
            format = "standard"
            url_env = "OPS_URL"
            secret_env = "OPS_SECRET"

            [[alert]]
            name = "grew"
            on = "increase"
            targets = ["ops"]
            """
        let config = try Configuration.parse(minimal + targets, file: "test.toml", environment: [:], secretsRequired: false)
        #expect(config.alerts.targets.map(\.name) == ["ops"] && config.alerts.targets[0].url.isEmpty)
        #expect(config.alerts.rules.map(\.name) == ["grew"])
        #expect(throws: ConfigurationError.self) {
            try Configuration.parse(minimal + targets.replacingOccurrences(of: "standard", with: "teams"), file: "test.toml",
                                    environment: [:], secretsRequired: false)
        }
        // A value that is there is validated as usual.
        let badSecret = ["OPS_URL": "https://ops.example/hook", "OPS_SECRET": "not-whsec"]
        #expect(throws: ConfigurationError.self) {
            try Configuration.parse(minimal + targets, file: "test.toml", environment: badSecret, secretsRequired: false)
        }
    }
}

@Suite struct ArchiveRetentionConfigurationTests {
    let minimal = """
    [api]
    endpoint = "https://api.ucloud.cn"
    public_key = "pub"
    private_key_env = "KEY"

    [[job]]
    name = "j"
    organizations = [1]
    period = "previous-day"
    """

    @Test func retentionIsForeverUnlessSetAndAtLeastADay() async throws {
        #expect(try Configuration.parse(minimal, file: "t.toml").storage.archiveRetentionSeconds == nil)
        let set = try Configuration.parse("[storage]\narchive_retention = \"400d\"\n" + minimal, file: "t.toml")
        #expect(set.storage.archiveRetentionSeconds == TimeInterval(400 * 86_400))
        for bad in ["5h", "forever", "0"] {
            #expect(throws: ConfigurationError.self, "\(bad)") {
                try Configuration.parse("[storage]\narchive_retention = \"\(bad)\"\n" + minimal, file: "t.toml")
            }
        }
    }
}
