import Foundation
import Testing
@testable import XLSXReader

/// Hostile and broken inputs are refused with an error that says what was wrong.
@Suite struct RefusalTests {
    func readAll(_ path: String, limits: XLSXLimits = XLSXLimits()) throws {
        let reader = try XLSXReader(path: path, limits: limits)
        try reader.forEachRow { _ in }
    }

    func error(_ body: () throws -> Void) -> XLSXError? {
        do { try body() } catch let error as XLSXError { return error } catch { return nil }
        return nil
    }

    @Test func doctypeInSheetIsRefused() async throws {
        let sheet = #"<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">]><worksheet><sheetData><row><c t="str"><v>&a;</v></c></row></sheetData></worksheet>"#
        let path = try TestWorkbook.write(TestZip.build(TestWorkbook.entries(sheetData: "", sheetXML: sheet)))
        let seen = error { try readAll(path) }
        #expect(seen == .forbiddenDeclaration(part: "xl/worksheets/sheet1.xml", declaration: "DOCTYPE"))
        #expect(seen?.description.contains("DOCTYPE") == true)
    }

    @Test func entityDeclarationInWorkbookIsRefused() async throws {
        var entries = TestWorkbook.entries(sheetData: "")
        entries[1].data = Array(#"<!ENTITY x "y"><workbook><sheets><sheet name="a" r:id="rId1"/></sheets></workbook>"#.utf8)
        let path = try TestWorkbook.write(TestZip.build(entries))
        #expect(error { try readAll(path) } == .forbiddenDeclaration(part: "xl/workbook.xml", declaration: "ENTITY"))
    }

    @Test func compressionRatioAboveTheLimitIsRefused() async throws {
        let padding = String(repeating: " ", count: 4 << 20)
        let path = try TestWorkbook.write(sheetData: "<row>\(padding)</row>")
        let seen = error { try readAll(path, limits: XLSXLimits(maxCompressionRatio: 100)) }
        guard case let .compressionRatioTooHigh(part, ratio, limit)? = seen else {
            Issue.record("expected a ratio refusal, got \(String(describing: seen))")
            return
        }
        #expect(part == "xl/worksheets/sheet1.xml" && ratio > 100 && limit == 100)
    }

    @Test func uncompressedSizeAboveTheLimitIsRefused() async throws {
        let entries = TestWorkbook.entries(sheetData: String(repeating: "<row/>", count: 1000))
        let path = try TestWorkbook.write(TestZip.build(entries))
        let seen = error { try readAll(path, limits: XLSXLimits(maxUncompressedEntryBytes: 1000)) }
        #expect(seen == .entryTooLarge(part: "xl/worksheets/sheet1.xml", bytes: UInt64(entries[3].data.count), limit: 1000))
    }

    @Test func headerThatUnderstatesTheSizeIsCaughtWhileInflating() async throws {
        var entries = TestWorkbook.entries(sheetData: String(repeating: "<row/>", count: 100))
        entries[3].declaredSize = 50
        let path = try TestWorkbook.write(TestZip.build(entries))
        guard case let .sizeMismatch(part, declared, actual)? = error({ try readAll(path) }) else {
            Issue.record("expected sizeMismatch")
            return
        }
        #expect(part == "xl/worksheets/sheet1.xml" && declared == 50 && actual > 50)
    }

    @Test func crcMismatchIsRefused() async throws {
        var entries = TestWorkbook.entries(sheetData: "<row><c><v>1</v></c></row>")
        entries[3].declaredCRC = 0xDEAD_BEEF
        let path = try TestWorkbook.write(TestZip.build(entries))
        guard case let .crcMismatch(part, declared, _)? = error({ try readAll(path) }) else {
            Issue.record("expected crcMismatch")
            return
        }
        #expect(part == "xl/worksheets/sheet1.xml" && declared == 0xDEAD_BEEF)
    }

    @Test(arguments: [
        ("<!DOCTYPE html><html><body>Access denied</body></html>", "HTML page"),
        ("\u{FEFF}  <html lang=\"en\"><head>", "HTML page"),
        ("{\"RetCode\": 230, \"Message\": \"no\"}", "JSON"),
        ("hello", "68 65 6C 6C 6F"),
    ])
    func textIsNotAZip(content: String, mentions: String) throws {
        let path = try TestWorkbook.write(Array(content.utf8))
        guard case let .notAZip(_, looksLike)? = error({ try readAll(path) }) else {
            Issue.record("expected notAZip")
            return
        }
        #expect(looksLike.contains(mentions), "\(looksLike)")
    }

    @Test func oleCompoundFileIsNamedAsEncryptedOrLegacy() async throws {
        let path = try TestWorkbook.write([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 504))
        guard case let .notAZip(_, looksLike)? = error({ try readAll(path) }) else {
            Issue.record("expected notAZip")
            return
        }
        #expect(looksLike.contains("encrypted") && looksLike.contains(".xls"))
    }

    @Test func emptyFileIsRefused() async throws {
        let path = try TestWorkbook.write([])
        #expect(error { try readAll(path) } == .emptyFile(path: path))
    }

    @Test func aMissingFileOrAFolderIsNamedInWords() async throws {
        let missing = "/nonexistent/\(UUID().uuidString).xlsx"
        let seen = error { try readAll(missing) }
        #expect(seen == .cannotOpen(path: missing, errno: ENOENT))
        #expect(seen?.description == "no such file: \(missing)")
        let folder = TestWorkbook.runDirectory.path
        #expect(error { try readAll(folder) }?.description == "\(folder) is a directory, not an .xlsx file")
    }

    @Test func truncatedDownloadIsRefused() async throws {
        let bytes = TestZip.build(TestWorkbook.entries(sheetData: "<row><c><v>1</v></c></row>"))
        let path = try TestWorkbook.write(Array(bytes.prefix(bytes.count - 40)))
        guard case .truncated? = error({ try readAll(path) }) else {
            Issue.record("expected truncated")
            return
        }
    }

    @Test func truncatedDeflateStreamIsRefused() async throws {
        var entries = TestWorkbook.entries(sheetData: String(repeating: "<row><c><v>12345</v></c></row>", count: 200))
        let full = TestZip.rawDeflate(entries[3].data)
        entries[3].rawPayload = Array(full.prefix(full.count / 2))
        let path = try TestWorkbook.write(TestZip.build(entries))
        guard case let .truncated(_, detail)? = error({ try readAll(path) }) else {
            Issue.record("expected truncated")
            return
        }
        #expect(detail.contains("xl/worksheets/sheet1.xml"))
    }

    @Test func missingSheetPartIsRefused() async throws {
        let entries = TestWorkbook.entries(sheetData: "", sheetTarget: "worksheets/sheet9.xml")
        let path = try TestWorkbook.write(TestZip.build(entries))
        #expect(error { try readAll(path) } == .missingRelationshipTarget(
            path: path, relationships: "xl/_rels/workbook.xml.rels", id: "rId1",
            type: "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet",
            target: "xl/worksheets/sheet9.xml"))
    }

    @Test func missingWorkbookIsRefused() async throws {
        let entries = TestWorkbook.entries(sheetData: "").filter { $0.name != "xl/workbook.xml" }
        let path = try TestWorkbook.write(TestZip.build(entries))
        #expect(error { try readAll(path) } == .missingPart(path: path, part: "xl/workbook.xml"))
    }

    @Test func columnBeyondTheLimitIsRefused() async throws {
        let path = try TestWorkbook.write(sheetData: #"<row r="3"><c r="XFE3"><v>1</v></c></row>"#)
        #expect(error { try readAll(path) } == .tooManyColumns(part: "xl/worksheets/sheet1.xml", row: 3, column: 16385, limit: 16384))
    }

    @Test func rowLargerThanTheCapIsRefused() async throws {
        let cells = String(repeating: #"<c t="inlineStr"><is><t>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</t></is></c>"#, count: 20000)
        let path = try TestWorkbook.write(sheetData: "<row>\(cells)</row>")
        let seen = error { try readAll(path, limits: XLSXLimits(maxRowBytes: 100_000)) }
        #expect(seen == .rowTooLarge(part: "xl/worksheets/sheet1.xml", row: 1, limit: 100_000))
    }

    @Test func sharedStringIndexOutOfRangeIsRefused() async throws {
        let path = try TestWorkbook.write(sheetData: #"<row r="1"><c r="B1" t="s"><v>7</v></c></row>"#, sharedStrings: ["<t>a</t>"])
        #expect(error { try readAll(path) } == .sharedStringIndexOutOfRange(row: 1, column: 2, index: 7, count: 1))
    }
}
