import Foundation
import UnpaidCore

/// Why an audit query refused to answer. The identity cases mean the ledger disagrees
/// with itself: the answer would be wrong, so none is given.
public enum AuditError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The orders listed for a snapshot do not add up to its recorded total.
    case ordersDisagreeWithTotals(snapshot: SnapshotID, currency: String, recorded: Total, listed: Total)
    /// opening + new − gone ± changes ≠ closing for one currency.
    case rollForwardDoesNotBalance(job: String, organizationID: Int64, currency: String, opening: Total,
                                   new: Total, gone: Total, amountChanges: Total, closing: Total)
    /// The aging buckets do not add up to the snapshot's recorded total.
    case agingDisagreesWithTotals(snapshot: SnapshotID, currency: String, recorded: Total, bucketed: Total)
    /// No job fetched this organization (or not this job).
    case noSeries(organizationID: Int64, job: String?)
    /// Several jobs fetch the organization and the question needs one.
    case ambiguousSeries(organizationID: Int64, jobs: [String])
    /// The series has no snapshot fetched at or before the date.
    case noSnapshotYet(job: String, organizationID: Int64, atOrBefore: Date)
    case unknownOrder(orderNo: String)
    /// A period whose end comes before its start.
    case reversedPeriod(from: Date, to: Date)
    case invalidAgingBuckets([Int])
    /// An amount stored for an order that is not a decimal number.
    case unreadableAmount(orderNo: String, snapshot: SnapshotID, text: String)

    public var description: String {
        switch self {
        case .ordersDisagreeWithTotals(let snapshot, let currency, let recorded, let listed):
            "\(snapshot), \(currency): the orders listed add up to \(listed.count) orders, \(listed.sum), "
                + "but the snapshot recorded \(recorded.count) orders, \(recorded.sum); the ledger is inconsistent, "
                + "keep it aside and report it"
        case .rollForwardDoesNotBalance(let job, let organization, let currency, let opening, let new, let gone,
                                        let changes, let closing):
            "roll-forward of job \"\(job)\", organization \(organization), \(currency) does not balance: "
                + "opening \(opening.count) / \(opening.sum) + new \(new.count) / \(new.sum) − gone \(gone.count) / "
                + "\(gone.sum) ± changes \(changes.sum) ≠ closing \(closing.count) / \(closing.sum); "
                + "the ledger is inconsistent, keep it aside and report it"
        case .agingDisagreesWithTotals(let snapshot, let currency, let recorded, let bucketed):
            "\(snapshot), \(currency): the aging buckets add up to \(bucketed.count) orders, \(bucketed.sum), "
                + "but the snapshot recorded \(recorded.count) orders, \(recorded.sum); the ledger is inconsistent, "
                + "keep it aside and report it"
        case .noSeries(let organization, let job?):
            "no snapshot of organization \(organization) by job \"\(job)\" in the ledger; check --org and --job (unpaidd history lists them)"
        case .noSeries(let organization, nil):
            "no snapshot of organization \(organization) in the ledger; check --org (unpaidd history lists them)"
        case .ambiguousSeries(let organization, let jobs):
            "organization \(organization) is fetched by several jobs (\(jobs.joined(separator: ", "))); choose one with --job"
        case .noSnapshotYet(let job, let organization, let date):
            "job \"\(job)\" has no snapshot of organization \(organization) fetched at or before \(date.formatted(.iso8601)); choose a later date"
        case .unknownOrder(let orderNo):
            "order \(orderNo) is in no snapshot of the ledger"
        case .reversedPeriod(let from, let to):
            "the period ends (\(to.formatted(.iso8601))) before it starts (\(from.formatted(.iso8601))); swap --from and --to"
        case .unreadableAmount(let orderNo, let snapshot, let text):
            "order \(orderNo) listed from \(snapshot) has the amount \"\(text)\", which is not a decimal number; the ledger is damaged, keep it aside and report it"
        case .invalidAgingBuckets(let limits):
            "aging buckets \(limits) must be one or more day counts, 0 or more, strictly increasing (e.g. [30, 60, 90])"
        }
    }
}
