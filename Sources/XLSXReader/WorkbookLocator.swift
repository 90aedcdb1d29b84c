/// A worksheet listed in `workbook.xml`, with its part resolved through the relationships.
public struct XLSXSheet: Sendable, Hashable {
    public var name: String
    /// Zip entry of the worksheet, e.g. `xl/worksheets/sheet1.xml`.
    public var partPath: String
}

/// Finds the workbook part, its sheets (in workbook order) and the shared-string part.
struct WorkbookLocator {
    var sheets: [XLSXSheet] = []
    var sharedStringsPath: String?

    init(archive: ZipArchive, limits: XLSXLimits) throws(XLSXError) {
        let workbookPath = try Self.officeDocumentPath(archive: archive, limits: limits) ?? "xl/workbook.xml"
        let workbook = try Self.readPart(workbookPath, archive: archive, limits: limits)
        let directory = Self.directory(of: workbookPath)
        let relsPath = directory + "_rels/" + workbookPath.split(separator: "/").last! + ".rels"
        let relationships = try Self.relationships(try Self.readPart(relsPath, archive: archive, limits: limits),
                                                   part: relsPath, directory: directory)
        var sheetRefs: [(name: String, id: String)] = []
        try Self.forEachTag(in: workbook, part: workbookPath) { tokenizer, token in
            guard tokenizer.nameIs(token, "sheet") else { return }
            let name = tokenizer.attribute("name", in: token).map(tokenizer.string) ?? ""
            if let id = tokenizer.attribute("id", in: token).map(tokenizer.string) { sheetRefs.append((name, id)) }
        }
        for reference in sheetRefs {
            guard let target = relationships.first(where: { $0.id == reference.id }) else {
                throw .missingPart(path: archive.path, part: "\(relsPath) relationship \(reference.id) for sheet \(reference.name)")
            }
            sheets.append(XLSXSheet(name: reference.name, partPath: target.path))
        }
        let shared = relationships.first { $0.type.hasSuffix("/sharedStrings") }?.path ?? directory + "sharedStrings.xml"
        sharedStringsPath = archive.entry(named: shared) != nil ? shared : nil
    }

    private static func officeDocumentPath(archive: ZipArchive, limits: XLSXLimits) throws(XLSXError) -> String? {
        guard archive.entry(named: "_rels/.rels") != nil else { return nil }
        let rels = try relationships(try readPart("_rels/.rels", archive: archive, limits: limits), part: "_rels/.rels", directory: "")
        return rels.first { $0.type.hasSuffix("/officeDocument") && archive.entry(named: $0.path) != nil }?.path
    }

    static func readPart(_ path: String, archive: ZipArchive, limits: XLSXLimits) throws(XLSXError) -> [UInt8] {
        guard let entry = archive.entry(named: path) else { throw .missingPart(path: archive.path, part: path) }
        return try ZipEntryStream.readAll(archive: archive, entry: entry, limits: limits, limit: limits.maxMetadataPartBytes)
    }

    private struct Relationship { var id: String; var type: String; var path: String }

    private static func relationships(_ bytes: [UInt8], part: String, directory: String) throws(XLSXError) -> [Relationship] {
        var result: [Relationship] = []
        try forEachTag(in: bytes, part: part) { tokenizer, token in
            guard tokenizer.nameIs(token, "Relationship"),
                  let id = tokenizer.attribute("Id", in: token).map(tokenizer.string),
                  let target = tokenizer.attribute("Target", in: token).map(tokenizer.string) else { return }
            let type = tokenizer.attribute("Type", in: token).map(tokenizer.string) ?? ""
            result.append(Relationship(id: id, type: type, path: resolve(target, against: directory)))
        }
        return result
    }

    private static func forEachTag(in bytes: [UInt8], part: String,
                                   _ body: (XMLTokenizer, XMLToken) -> Void) throws(XLSXError) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(XLSXError) in
            guard let base = buffer.baseAddress else { return }
            let tokenizer = XMLTokenizer(base: base, end: buffer.count, part: part)
            var position = 0
            while case let .token(token) = try tokenizer.nextToken(from: position) {
                if token.kind == .start || token.kind == .empty { body(tokenizer, token) }
                position = token.next
            }
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    /// `/xl/worksheets/sheet1.xml` is package-absolute; `worksheets/sheet1.xml` and
    /// `../x.xml` are relative to the part's directory.
    static func resolve(_ target: String, against directory: String) -> String {
        let joined = target.hasPrefix("/") ? String(target.dropFirst()) : directory + target
        var components: [Substring] = []
        for component in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." { _ = components.popLast(); continue }
            components.append(component)
        }
        return components.joined(separator: "/")
    }
}
