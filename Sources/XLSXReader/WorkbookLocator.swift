/// A worksheet listed in `workbook.xml`, with its part resolved through the relationships.
public struct XLSXSheet: Sendable, Hashable {
    public var name: String
    /// Zip entry of the worksheet as stored, e.g. `xl/worksheets/sheet1.xml`; for a sheet
    /// whose part is missing, the part name its relationship gives.
    public var partPath: String
}

/// Finds the workbook part, its sheets (in workbook order) and the shared-string part.
///
/// Parts are found as OPC says (`ZipArchive.entry(forPart:)`: case-insensitive, backslashes
/// accepted), and a relationship whose target is not in the file is an error naming it,
/// never silently dropped.
struct WorkbookLocator {
    var sheets: [XLSXSheet] = []
    /// Why a sheet cannot be read, by index: its relationship's target is not in the file.
    /// Reported when that sheet is read, so the other sheets stay readable.
    var missingSheets: [Int: XLSXError] = [:]
    /// The entry name of the shared-string table, when the workbook has one.
    var sharedStringsPath: String?

    init(archive: ZipArchive, limits: XLSXLimits) throws(XLSXError) {
        let workbookPath = try Self.officeDocumentPath(archive: archive, limits: limits) ?? "xl/workbook.xml"
        let workbook = try Self.readPart(workbookPath, archive: archive, limits: limits)
        let directory = Self.directory(of: workbookPath)
        let relsPart = try Self.readPart(directory + "_rels/" + workbookPath.split(separator: "/").last! + ".rels",
                                         archive: archive, limits: limits)
        let relationships = try Self.relationships(relsPart.bytes, part: relsPart.name, directory: directory)
        var sheetRefs: [(name: String, id: String)] = []
        try Self.forEachTag(in: workbook.bytes, part: workbook.name) { tokenizer, token in
            guard tokenizer.nameIs(token, "sheet") else { return }
            let name = tokenizer.attribute("name", in: token).map(tokenizer.string) ?? ""
            if let id = tokenizer.attribute("id", in: token).map(tokenizer.string) { sheetRefs.append((name, id)) }
        }
        for reference in sheetRefs {
            guard let target = relationships.first(where: { $0.id == reference.id }) else {
                throw .missingPart(path: archive.path, part: "\(relsPart.name) relationship \(reference.id) for sheet \(reference.name)")
            }
            let entry = archive.entry(forPart: target.path)
            if entry == nil {
                missingSheets[sheets.count] = .missingRelationshipTarget(path: archive.path, relationships: relsPart.name,
                                                                         id: target.id, type: target.type, target: target.path)
            }
            sheets.append(XLSXSheet(name: reference.name, partPath: entry?.name ?? target.path))
        }
        if let shared = relationships.first(where: { $0.type.hasSuffix("/sharedStrings") }) {
            guard let entry = archive.entry(forPart: shared.path) else {
                throw .missingRelationshipTarget(path: archive.path, relationships: relsPart.name, id: shared.id,
                                                 type: shared.type, target: shared.path)
            }
            sharedStringsPath = entry.name
        } else {
            // Some writers store the table without declaring it.
            sharedStringsPath = archive.entry(forPart: directory + "sharedStrings.xml")?.name
        }
    }

    private static func officeDocumentPath(archive: ZipArchive, limits: XLSXLimits) throws(XLSXError) -> String? {
        guard archive.entry(forPart: "_rels/.rels") != nil else { return nil }
        let root = try readPart("_rels/.rels", archive: archive, limits: limits)
        guard let office = try relationships(root.bytes, part: root.name, directory: "")
            .first(where: { $0.type.hasSuffix("/officeDocument") }) else { return nil }
        guard archive.entry(forPart: office.path) != nil else {
            throw .missingRelationshipTarget(path: archive.path, relationships: root.name, id: office.id,
                                             type: office.type, target: office.path)
        }
        return office.path
    }

    /// The part's bytes and the name of the entry that holds it.
    static func readPart(_ path: String, archive: ZipArchive, limits: XLSXLimits) throws(XLSXError) -> (name: String, bytes: [UInt8]) {
        guard let entry = archive.entry(forPart: path) else { throw .missingPart(path: archive.path, part: path) }
        return (entry.name, try ZipEntryStream.readAll(archive: archive, entry: entry, limits: limits,
                                                       limit: limits.maxMetadataPartBytes))
    }

    private struct Relationship { var id: String; var type: String; var path: String }

    private static func relationships(_ bytes: [UInt8], part: String, directory: String) throws(XLSXError) -> [Relationship] {
        var result: [Relationship] = []
        try forEachTag(in: bytes, part: part) { tokenizer, token in
            guard tokenizer.nameIs(token, "Relationship"),
                  let id = tokenizer.attribute("Id", in: token).map(tokenizer.string),
                  let target = tokenizer.attribute("Target", in: token).map(tokenizer.string) else { return }
            // An external target is a URI outside the package, not a part.
            if tokenizer.attribute("TargetMode", in: token).map(tokenizer.string) == "External" { return }
            let type = tokenizer.attribute("Type", in: token).map(tokenizer.string) ?? ""
            result.append(Relationship(id: id, type: type, path: resolve(percentDecoded(target), against: directory)))
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
    /// `../x.xml` are relative to the part's directory. Backslashes count as slashes.
    static func resolve(_ target: String, against directory: String) -> String {
        let target = target.replacing("\\", with: "/")
        let joined = target.hasPrefix("/") ? String(target.dropFirst()) : directory + target
        var components: [Substring] = []
        for component in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." { _ = components.popLast(); continue }
            components.append(component)
        }
        return components.joined(separator: "/")
    }

    /// A relationship target is a URI: `sheet%201.xml` names the part `sheet 1.xml`.
    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "%"), input.count >= 2,
               let value = UInt8(String(decoding: input.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                input = input.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
