import ArgumentParser
import Foundation
import UnpaidCore

/// `--start` and `--end` of an explicit window, read in the configured time zone.
struct WindowOptions: ParsableArguments {
    @Option(help: "Window start: YYYY-MM-DD[THH:MM[:SS]] in the configured time zone, or Unix seconds.")
    var start: String

    @Option(help: "Window end (exclusive), same forms as --start.")
    var end: String

    func window(in timeZone: TimeZone) throws -> BillingWindow {
        try BillingWindow(start: try CommandLineDate.parse(start, in: timeZone, option: "--start"),
                          end: try CommandLineDate.parse(end, in: timeZone, option: "--end"))
    }
}
