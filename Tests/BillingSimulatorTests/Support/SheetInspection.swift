import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
import UnpaidCore

/// The rows of an exported workbook's first sheet, read with Foundation's XML parser,
/// cells keyed by their column letters.
final class SheetInspection: NSObject, XMLParserDelegate {
    private(set) var rows: [[String: String]] = []
    private var row: [String: String] = [:]
    private var column: String?
    private var text = ""
    private var collecting = false

    init(workbook bytes: [UInt8]) throws {
        super.init()
        let zip = try ZipInspection(bytes)
        let sheet = try #require(zip.contents(of: "xl/worksheets/sheet1.xml"))
        let parser = XMLParser(data: Data(sheet))
        parser.delegate = self
        try #require(parser.parse(), "sheet1.xml is not well-formed XML")
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        switch name {
        case "row": row = [:]
        case "c":
            column = attributes["r"].map { String($0.prefix { $0.isLetter }) }
            text = ""
        case "v", "t": collecting = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collecting { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t": collecting = false
        case "c": if let column { row[column] = text }
        case "row": rows.append(row)
        default: break
        }
    }

    /// Rows after the header as dictionaries keyed by header text.
    var records: [[String: String]] {
        guard let header = rows.first else { return [] }
        return rows.dropFirst().map { row in
            Dictionary(uniqueKeysWithValues: header.compactMap { column, name in row[column].map { (name, $0) } })
        }
    }

    func totals() throws -> OrderTotals {
        var totals = OrderTotals()
        for record in records {
            let organization = try #require(record["OrganizationID"].flatMap { Int64($0) })
            let currency = try #require(record["Currency"])
            totals.add(organizationID: organization, currency: currency,
                       amount: try Money(try #require(record["OrderTotalPrice"])))
        }
        return totals
    }
}
