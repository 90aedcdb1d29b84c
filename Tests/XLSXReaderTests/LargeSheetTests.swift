import Foundation
import Testing
import XLSXReader

/// Sheets larger than the reader's ring of inflated buffers, so rows straddle buffer
/// boundaries and the inflating thread runs ahead of the parser.
@Suite struct LargeSheetTests {
    static let rowCount = 40_000

    /// ~5 MiB of sheet XML: more than the 4 x 1 MiB ring.
    static func largeWorkbook(declaredCRC: UInt32? = nil) throws -> String {
        var xml = ""
        xml.reserveCapacity(rowCount * 130)
        for row in 1...rowCount {
            xml += #"<row r="\#(row)"><c r="A\#(row)" t="inlineStr"><is><t>order-\#(row)</t></is></c>"#
            xml += #"<c r="B\#(row)"><v>\#(row * 3)</v></c><c r="C\#(row)" t="inlineStr"><is><t>padding padding padding \#(row % 97)</t></is></c></row>"#
        }
        var entries = TestWorkbook.entries(sheetData: xml)
        entries[3].declaredCRC = declaredCRC
        return try TestWorkbook.write(TestZip.build(entries))
    }

    @Test func everyRowIsReadAcrossBufferBoundaries() async throws {
        let path = try Self.largeWorkbook()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try XLSXReader(path: path)
        #expect(try reader.uncompressedSize() > 4 << 20)
        var count = 0
        var sum = 0
        var ordered = true
        try reader.forEachRow { row in
            count += 1
            ordered = ordered && row.number == count && row.text(at: 0) == "order-\(count)"
            sum += Int(row.numberText(at: 1) ?? "") ?? 0
        }
        #expect(count == Self.rowCount)
        #expect(ordered)
        #expect(sum == 3 * Self.rowCount * (Self.rowCount + 1) / 2)
    }

    @Test func bothInflateEnginesYieldTheDeclaredBytesAndCRC() async throws {
        let path = try Self.largeWorkbook()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try XLSXReader(path: path)
        let size = try reader.uncompressedSize()
        #expect(try reader.inflateOnly(engine: .isal) == size)
        #expect(try reader.inflateOnly(engine: .zlib) == size)
    }

    @Test func crcMismatchSurfacesAfterTheRowsBeforeIt() async throws {
        let path = try Self.largeWorkbook(declaredCRC: 0x1234_5678)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var rows = 0
        do {
            try XLSXReader(path: path).forEachRow { _ in rows += 1 }
            Issue.record("expected crcMismatch")
        } catch let XLSXError.crcMismatch(part, declared, _) {
            #expect(part == "xl/worksheets/sheet1.xml" && declared == 0x1234_5678)
        }
        #expect(rows > 0 && rows <= Self.rowCount)
        for engine in InflateEngine.allCases {
            #expect(throws: XLSXError.self) { _ = try XLSXReader(path: path).inflateOnly(engine: engine) }
        }
    }

    struct Stop: Error {}

    @Test func stoppingEarlyEndsTheReadWhileTheInflaterIsAhead() async throws {
        let path = try Self.largeWorkbook()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Repeated, so a reader that left its thread blocked on a full ring would hang here.
        for _ in 0..<20 {
            var seen = 0
            #expect(throws: Stop.self) {
                try XLSXReader(path: path).forEachRow { _ in
                    seen += 1
                    if seen == 10 { throw Stop() }
                }
            }
            #expect(seen == 10)
        }
    }
}
