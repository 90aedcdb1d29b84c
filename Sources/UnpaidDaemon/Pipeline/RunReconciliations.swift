import Ledger
import Logging
import UnpaidCore

extension ExportPipeline {
    /// After a run: says once what concerns every organization (the API refused the action;
    /// every organization mismatched the same way), then applies the `on = "mismatch"`
    /// rules to the organizations whose outcome stands on its own. Alerts failing to be
    /// recorded are logged, never fail the run: its snapshots are already recorded.
    func concludeReconciliations(job: String, snapshots: [SnapshotRecord], logger: Logger) async {
        let outcomes = snapshots.compactMap { snapshot in
            snapshot.reconciliation.map { (organizationID: snapshot.organizationID, reconciliation: $0) }
        }
        guard !outcomes.isEmpty else { return }
        let summary = RunReconciliationSummary.summarize(outcomes)
        if !summary.actionRefused.isEmpty {
            logger.warning("the billing API refused GetOrderAmount: exports are not reconciled", metadata: [
                "organizations": "\(summary.actionRefused.count)", "reason": "\(summary.refusalReason ?? "")",
            ])
        }
        if let pattern = summary.systematicMismatch {
            logger.warning("every organization disagrees with GetOrderAmount the same way: the two sources may count differently (time field, rounding, revoked orders); no mismatch alert raised", metadata: [
                "organizations": "\(outcomes.count)", "pattern": "\(pattern)",
            ])
        }
        for snapshot in snapshots where summary.alertable.contains(snapshot.organizationID) {
            logger.warning("export disagrees with GetOrderAmount", metadata: [
                "org": "\(snapshot.organizationID)", "snapshot_id": "\(snapshot.id.rawValue)",
                "reason": "\(snapshot.reconciliation?.reason ?? "")",
            ])
        }
        let planner = alertPlanner
        guard planner.rules.contains(where: { $0.condition == .reconciliationMismatch }) else { return }
        let alertable = Set(summary.alertable)
        for snapshot in snapshots {
            guard let reconciliation = snapshot.reconciliation,
                  alertable.contains(snapshot.organizationID) || reconciliation.status.agrees else { continue }
            do {
                try await ledger.recordAlerts(job: job, organizationID: snapshot.organizationID) { states in
                    planner.planMismatch(job: job, organizationID: snapshot.organizationID,
                                         snapshotID: snapshot.id.rawValue, reconciliation: reconciliation,
                                         states: states)
                }
            } catch {
                logger.error("recording the mismatch alert failed", metadata: [
                    "org": "\(snapshot.organizationID)", "error": "\(error)",
                ])
            }
        }
    }
}
