import Foundation
import Testing
import XLSXReader

/// Files written by Excel and other real producers, read against what python-calamine saw.
@Suite struct RealExcelFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/fixtures/real-excel").standardized

    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".xlsx") }.map { String($0.dropLast(5)) }.sorted()
    }()

    @Test func fixturesArePresent() {
        #expect(Self.names.count >= 20, "fixtures expected in \(Self.directory.path)")
    }

    @Test(arguments: names)
    func readsLikeCalamine(name: String) throws {
        let expectedURL = Self.directory.appendingPathComponent(name + ".expected.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: expectedURL)) as? [String: Any])
        let expectedSheets = try #require(json["sheets"] as? [[String: Any]])
        let reader = try XLSXReader(path: Self.directory.appendingPathComponent(name + ".xlsx").path)
        #expect(reader.sheets.map(\.name) == expectedSheets.map { $0["name"] as? String ?? "?" })
        for (index, expectedSheet) in expectedSheets.enumerated() where index < reader.sheets.count {
            let expectedRows = try #require(expectedSheet["rows"] as? [[Any]])
            let grid = try Self.grid(reader: reader, sheet: index)
            #expect(grid.count == expectedRows.count, "\(name) sheet \(index): row count")
            for (rowIndex, (actual, expected)) in zip(grid, expectedRows).enumerated() {
                #expect(actual.count == expected.count, "\(name) sheet \(index) row \(rowIndex + 1): width")
                for (column, (cell, want)) in zip(actual, expected).enumerated() {
                    #expect(Self.matches(cell, want), "\(name) sheet \(index) row \(rowIndex + 1) column \(column): got \(String(describing: cell)), want \(want)")
                }
            }
        }
    }

    /// Rows from A1 to the last cell with a value, empty cells nil, as calamine lays them out.
    static func grid(reader: XLSXReader, sheet: Int) throws -> [[CellValue?]] {
        var rows: [Int: [CellValue?]] = [:]
        var width = 0
        try reader.forEachRow(sheet: sheet) { row in
            let cells = row.cells
            guard cells.contains(where: { $0 != nil }) else { return }
            var trimmed = cells
            while let last = trimmed.last, last == nil { trimmed.removeLast() }
            rows[row.number] = trimmed
            width = max(width, trimmed.count)
        }
        guard let height = rows.keys.max() else { return [] }
        return (1...height).map { number in
            let cells = rows[number] ?? []
            return cells + Array(repeating: nil, count: width - cells.count)
        }
    }

    static func matches(_ cell: CellValue?, _ expected: Any) -> Bool {
        switch (cell, expected) {
        case (nil, let text as String): return text.isEmpty
        // python-calamine reports error cells as empty strings.
        case (.error?, let text as String): return text.isEmpty
        case (.text(let actual)?, let text as String): return actual == text
        case (.number(let actual)?, let number as NSNumber):
            // JSONSerialization may round the last digit; the reader keeps the file's text.
            guard let value = Double(actual) else { return false }
            return abs(value - number.doubleValue) <= abs(value) * 1e-15
        // Date-styled cells: this reader applies no number formats, so it sees the serial.
        case (.number(let actual)?, let object as [String: Any]) where object["date"] != nil: return Double(actual) != nil
        case (.bool(let actual)?, let object as [String: Any]): return (object["bool"] as? Bool) == actual
        default: return false
        }
    }
}
