import Foundation
import UnpaidCore

/// The TOML of an unpaidd configuration that fetches from a simulator on loopback, for
/// the tests, benchmarks and tools that run unpaidd against one: API and object store on
/// 127.0.0.1 (plain http allowed for both by the one `api.allow_http_loopback` key),
/// storage under `directory`, one month-to-date job.
public struct UnpaiddConfigurationText: Sendable {
    /// The zone the configuration's periods are computed in.
    public static let timeZone = "Asia/Shanghai"

    /// Where the job's month-to-date window starts at `instant`. Given to the simulator as
    /// `earliestStart`, it keeps every order inside that window on any day of the month.
    public static func monthToDateStart(at instant: Date) -> Int64 {
        PeriodSpec.monthToDate.window(at: instant, in: TimeZone(identifier: timeZone)!).start
    }

    public var apiURL: String
    public var publicKey: String
    /// How unpaidd finds the private key: `private_key_env = "NAME"` or `private_key_file = "PATH"`.
    public var privateKeySetting: String
    public var directory: String
    public var organizations: [Int64]
    public var jobName = "mtd"
    /// `storage.database`: a SQLite file under `directory` unless set (`postgresql://…`).
    public var database: String?
    /// More keys of `[storage]` (`password_env = "NAME"`).
    public var storageKeys = ""
    /// More keys of `[api]` (`max_attempts = 2`).
    public var apiKeys = ""
    /// More keys of the `[[job]]` (`schedule = "@every 1s"`).
    public var jobKeys = ""
    /// Whole tables after the job: `[daemon]`, more `[[job]]`s, `[[target]]`, `[[alert]]`.
    public var tables = ""

    public init(apiURL: String, publicKey: String, privateKeySetting: String, directory: String,
                organizations: [Int64]) {
        self.apiURL = apiURL
        self.publicKey = publicKey
        self.privateKeySetting = privateKeySetting
        self.directory = directory
        self.organizations = organizations
    }

    public var text: String {
        """
        timezone = "\(Self.timeZone)"
        [api]
        endpoint = "\(apiURL)"
        allow_http_loopback = true
        public_key = "\(publicKey)"
        \(privateKeySetting)
        \(apiKeys)
        [storage]
        database = "\(database ?? directory + "/ledger.sqlite")"
        archive_dir = "\(directory)/archive"
        \(storageKeys)
        [download]
        allowed_hosts = ["127.0.0.1"]
        [[job]]
        name = "\(jobName)"
        organizations = [\(organizations.map(String.init).joined(separator: ", "))]
        period = "month-to-date"
        \(jobKeys)
        \(tables)
        """
    }
}
