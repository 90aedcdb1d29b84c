/// Streams the rows of a workbook's worksheets from an .xlsx file, holding one row (plus
/// the shared-string table) in memory, whatever the file size.
///
/// Not thread-safe; use one reader per task.
public final class XLSXReader {
    public let path: String
    public let limits: XLSXLimits
    /// Worksheets in workbook order; index 0 is the first sheet.
    public let sheets: [XLSXSheet]
    private let archive: ZipArchive
    private let sharedStringsPath: String?
    private let missingSheets: [Int: XLSXError]
    private var sharedStrings: SharedStrings?

    public init(path: String, limits: XLSXLimits = XLSXLimits()) throws(XLSXError) {
        self.path = path
        self.limits = limits
        archive = try ZipArchive(path: path)
        let locator = try WorkbookLocator(archive: archive, limits: limits)
        sheets = locator.sheets
        sharedStringsPath = locator.sharedStringsPath
        missingSheets = locator.missingSheets
    }

    /// Calls `body` for every row that has a `<row>` element, in file order.
    /// The row is only valid during the call.
    public func forEachRow(sheet index: Int = 0, _ body: (XLSXRow) throws -> Void) throws {
        let scanner = try makeScanner(sheet: index)
        let row = XLSXRow(scanner: scanner)
        while try scanner.nextRow() {
            try body(row)
        }
        withExtendedLifetime(scanner) {}
    }

    /// The sheet's uncompressed size as its zip entry declares it.
    public func uncompressedSize(sheet index: Int = 0) throws(XLSXError) -> UInt64 {
        try sheetEntry(index).uncompressedSize
    }

    /// Inflates the sheet (with CRC check) and discards the bytes: the cost floor under
    /// any parse, for benchmarks. Returns the number of bytes inflated.
    public func inflateOnly(sheet index: Int = 0, engine: InflateEngine = .isal) throws(XLSXError) -> UInt64 {
        let stream = try ZipEntryStream(archive: archive, entry: try sheetEntry(index), limits: limits, engine: engine)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 256 << 10)
        defer { buffer.deallocate() }
        while try stream.read(into: buffer, capacity: 256 << 10) > 0 {}
        return stream.producedBytes
    }

    private func sheetEntry(_ index: Int) throws(XLSXError) -> ZipEntry {
        guard sheets.indices.contains(index) else { throw .noSuchSheet(index: index, sheetCount: sheets.count) }
        if let missing = missingSheets[index] { throw missing }
        guard let entry = archive.entry(named: sheets[index].partPath) else {
            throw .missingPart(path: path, part: sheets[index].partPath)
        }
        return entry
    }

    private func makeScanner(sheet index: Int) throws(XLSXError) -> SheetScanner {
        let entry = try sheetEntry(index)
        if sharedStrings == nil {
            if let sharedStringsPath, let sharedEntry = archive.entry(named: sharedStringsPath) {
                sharedStrings = try SharedStrings.load(archive: archive, entry: sharedEntry, limits: limits)
            } else {
                sharedStrings = SharedStrings.empty
            }
        }
        let inflated = try ZipEntryStream(archive: archive, entry: entry, limits: limits)
        let window = ByteWindow(source: PrefetchingEntryStream(source: inflated), maxKeptBytes: limits.maxRowBytes)
        return SheetScanner(window: window, part: entry.name, limits: limits, sharedStrings: sharedStrings!)
    }
}
