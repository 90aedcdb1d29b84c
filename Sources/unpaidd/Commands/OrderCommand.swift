import ArgumentParser
import Foundation
import Ledger
import UnpaidReports

struct OrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order",
        abstract: "One order's story in every job and organization that listed it: first seen, changes, gone.")

    @OptionGroup var config: ConfigOption

    @Argument(help: "The order number.")
    var orderNo: String

    @OptionGroup var presentation: RowFormatOption

    func run() async throws {
        try await AuditLedger.with(config) { audit in
            let timelines = try await audit.ledger.orderTimelines(orderNo: orderNo)
            var writer = presentation.format.writer(columns: OrderTimelineReport.columns, to: .standardOutput())
            try OrderTimelineReport.write(timelines, timeZone: audit.timeZone, to: &writer)
        }
    }
}
