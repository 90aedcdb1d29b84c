import ArgumentParser
import UnpaidExport

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write every row of an export file (all columns, header first) as CSV or JSON Lines.")

    @Argument(help: "An unpaid-order export (.xlsx).")
    var file: String

    @Option(help: "csv or jsonl.")
    var to: ExportFormat

    @Option(name: .shortAndLong, help: "Output file (written whole, then renamed into place). Default: standard output.")
    var output: String?

    func run() throws {
        let rows = try ExportConverter(format: to).convert(xlsxAt: file, to: output)
        if output != nil { print("wrote \(rows) rows to \(output!)") }
    }
}

extension ExportFormat: ExpressibleByArgument {}
