import UnpaidCore
import ArgumentParser
import UnpaidDaemon
import UnpaidExport

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the columns found, the row count and the exact totals of an export file.")

    @Argument(help: "An unpaid-order export (.xlsx).")
    var file: String

    @Option(help: "table or json.")
    var format: TabularReport.Format = .table

    func run() throws {
        let summary = try sumUnpaidExport(at: file)
        var totals = TabularReport(columns: ["organization", "currency", "orders", "total"])
        for (key, total) in summary.totals.sorted {
            totals.append([.integer(key.organizationID), .text(key.currency), .integer(Int64(total.count)), .money(total.sum)])
        }
        var columns = TabularReport(columns: ["field", "column", "header"])
        for column in summary.columns {
            columns.append([.text(column.field.rawValue), .text(column.letter), .text(column.header)])
        }
        if format == .json {
            print("{\"file\":\(JSONText.quoted(file)),\"rows\":\(summary.rowCount),"
                + "\"columns\":\(columns.render(.json).trimmingTrailingNewline()),"
                + "\"totals\":\(totals.render(.json).trimmingTrailingNewline())}")
            return
        }
        print("\(file): \(summary.rowCount) order rows")
        print()
        print(columns.render(format == .csv ? .csv : .table))
        print(totals.render(format == .csv ? .csv : .table), terminator: "")
    }
}

extension String {
    func trimmingTrailingNewline() -> String {
        hasSuffix("\n") ? String(dropLast()) : self
    }
}
