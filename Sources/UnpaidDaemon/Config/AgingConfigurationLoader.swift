import Foundation
import Ledger

/// `[aging]`: the day limits of the age buckets `unpaidd aging` and `unpaidd report` use.
public struct AgingSettings: Sendable, Equatable {
    /// Default: `[30, 60, 90]` (0–30, 31–60, 61–90 and over 90 days).
    public var buckets: AgingBuckets = .standard

    public init() {}

    static func parse(_ root: inout TableReader) throws(ConfigurationError) -> AgingSettings {
        var settings = AgingSettings()
        guard var table = try root.table("aging") else { return settings }
        if let limits = try table.ints("buckets") {
            do { settings.buckets = try AgingBuckets(limits) } catch { throw table.error("buckets", error.description) }
        }
        try table.rejectUnknownKeys()
        return settings
    }
}
