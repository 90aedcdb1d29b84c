import CoreMetrics

/// The names unpaidd's series are exposed under, with their help texts, in one place, so
/// dashboards and the example rules in etc/prometheus/unpaidd-rules.yml can rely on them.
/// Adapters that cannot depend on this target (BillingAPI) spell their name once and are
/// listed here too; the process test checks each appears in a real scrape.
public enum MetricName {
    // Counted by the adapters through swift-metrics, as things happen.
    public static let apiRequests = "unpaidd_api_requests_total"
    public static let downloadedBytes = "unpaidd_downloaded_bytes_total"
    public static let rowsRead = "unpaidd_rows_read_total"
    public static let runs = "unpaidd_runs_total"
    public static let runDuration = "unpaidd_run_duration_seconds"
    public static let snapshotDuration = "unpaidd_snapshot_duration_seconds"
    public static let lastAttempt = "unpaidd_last_attempt_timestamp_seconds"
    public static let deliveries = "unpaidd_deliveries_total"
    // Read from the ledger at each scrape.
    public static let unpaidAmount = "unpaidd_unpaid_amount"
    public static let unpaidOrders = "unpaidd_unpaid_orders"
    public static let lastSuccess = "unpaidd_last_success_timestamp_seconds"
    public static let outboxMessages = "unpaidd_outbox_messages"
    public static let ledgerReadable = "unpaidd_ledger_readable"
    public static let buildInfo = "unpaidd_build_info"

    /// `# HELP` of every series; a name missing here is exposed without one, which
    /// `promtool check metrics` reports.
    public static let help: [String: String] = [
        apiRequests: "Billing API attempts (retries included) by action and outcome: ret_code_N, http_N, malformed_answer or transport_error.",
        downloadedBytes: "Bytes of export files downloaded.",
        rowsRead: "Order rows read from downloaded exports.",
        runs: "Finished runs by job and status (succeeded, partial, failed).",
        runDuration: "How long a run of a job took, all its organizations together.",
        snapshotDuration: "How long one organization's export took, from the API request to the committed snapshot.",
        lastAttempt: "Unix time an export of the job and organization was last attempted by this process.",
        deliveries: "Alert delivery attempts by target and outcome (delivered, retry, dead).",
        unpaidAmount: "Unpaid total of the newest snapshot, per currency (the ledger keeps the exact decimal).",
        unpaidOrders: "Unpaid orders in the newest snapshot, per currency.",
        lastSuccess: "Unix time of the newest recorded snapshot of the job and organization.",
        outboxMessages: "Alert messages in the outbox, per target and status.",
        ledgerReadable: "1 when the last scrape could read the ledger, else 0.",
        buildInfo: "Always 1; the version of the running unpaidd is in a label.",
    ]
}

extension CoreMetrics.Timer {
    /// Records a `Duration` as measured by `ContinuousClock`.
    public func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
