#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a workbook was refused. Each case names the file or part and what was seen,
/// so the person reading a log line knows what to fix or whom to ask.
public enum XLSXError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened; `errno` says why (`ENOENT`, `EACCES`, `EISDIR`, ...).
    case cannotOpen(path: String, errno: Int32)
    case emptyFile(path: String)
    /// The file is not a zip archive; `looksLike` says what it seems to be instead.
    case notAZip(path: String, looksLike: String)
    case truncated(path: String, detail: String)
    case corruptArchive(path: String, detail: String)
    case missingPart(path: String, part: String)
    /// A relationship (`Id` in the `.rels` part `relationships`) whose target part is not
    /// in the file.
    case missingRelationshipTarget(path: String, relationships: String, id: String, type: String, target: String)
    case encryptedEntry(part: String)
    case unsupportedCompression(part: String, method: UInt16)
    case crcMismatch(part: String, declared: UInt32, computed: UInt32)
    case sizeMismatch(part: String, declared: UInt64, actual: UInt64)
    case entryTooLarge(part: String, bytes: UInt64, limit: UInt64)
    case compressionRatioTooHigh(part: String, ratio: UInt64, limit: UInt64)
    case corruptDeflate(part: String, detail: String)
    /// DOCTYPE/ENTITY declarations enable entity-expansion attacks; workbooks never need them.
    case forbiddenDeclaration(part: String, declaration: String)
    case malformedXML(part: String, detail: String)
    case tooManyColumns(part: String, row: Int, column: Int, limit: Int)
    case rowTooLarge(part: String, row: Int, limit: Int)
    case sharedStringsTooLarge(bytes: Int, limit: Int)
    case sharedStringIndexOutOfRange(row: Int, column: Int, index: Int, count: Int)
    case noSuchSheet(index: Int, sheetCount: Int)

    public var description: String {
        switch self {
        case let .cannotOpen(path, code):
            switch code {
            case ENOENT, ENOTDIR: return "no such file: \(path)"
            case EACCES, EPERM: return "cannot open \(path): permission denied"
            case EISDIR: return "\(path) is a directory, not an .xlsx file"
            case EINVAL: return "\(path) is not a regular file: expected an .xlsx workbook"
            default: return "cannot open \(path): \(String(cString: strerror(code)).lowercased())"
            }
        case let .emptyFile(path):
            return "\(path) is empty (0 bytes): expected an .xlsx workbook"
        case let .notAZip(path, looksLike):
            return "\(path) is not an .xlsx (zip) file: it looks like \(looksLike)"
        case let .truncated(path, detail):
            return "\(path) is truncated: \(detail)"
        case let .corruptArchive(path, detail):
            return "\(path) is a damaged zip archive: \(detail)"
        case let .missingPart(path, part):
            return "\(path) has no part \(part): not a complete .xlsx workbook"
        case let .missingRelationshipTarget(path, relationships, id, type, target):
            let kind = type.split(separator: "/").last.map(String.init) ?? "untyped"
            return "\(path): relationship \(id) (\(kind)) in \(relationships) points to part \(target), which the file does not contain: the workbook is incomplete; export it again"
        case let .encryptedEntry(part):
            return "zip entry \(part) is encrypted; export the workbook without a password"
        case let .unsupportedCompression(part, method):
            return "zip entry \(part) uses compression method \(method); only stored (0) and deflate (8) are supported"
        case let .crcMismatch(part, declared, computed):
            return "zip entry \(part) is corrupt: CRC-32 declared \(hex(declared)), computed \(hex(computed))"
        case let .sizeMismatch(part, declared, actual):
            return "zip entry \(part) declares \(declared) uncompressed bytes but inflates to \(actual)"
        case let .entryTooLarge(part, bytes, limit):
            return "zip entry \(part) is \(bytes) bytes uncompressed, above the limit of \(limit) (XLSXLimits.maxUncompressedEntryBytes)"
        case let .compressionRatioTooHigh(part, ratio, limit):
            return "zip entry \(part) expands \(ratio)x, above the limit of \(limit)x (XLSXLimits.maxCompressionRatio): refused as a possible zip bomb"
        case let .corruptDeflate(part, detail):
            return "zip entry \(part) has corrupt deflate data: \(detail)"
        case let .forbiddenDeclaration(part, declaration):
            return "\(part) contains a \(declaration) declaration; refused (workbooks never need one, and entity expansion is an attack vector)"
        case let .malformedXML(part, detail):
            return "\(part) is malformed XML: \(detail)"
        case let .tooManyColumns(part, row, column, limit):
            return "\(part) row \(row) has a cell in column \(column), above the limit of \(limit) (XLSXLimits.maxColumns)"
        case let .rowTooLarge(part, row, limit):
            return "\(part) row \(row) is larger than \(limit) bytes of XML (XLSXLimits.maxRowBytes)"
        case let .sharedStringsTooLarge(bytes, limit):
            return "shared string table exceeds \(limit) bytes (XLSXLimits.maxSharedStringsBytes); reached \(bytes)"
        case let .sharedStringIndexOutOfRange(row, column, index, count):
            return "row \(row) column \(column) refers to shared string \(index), but the table has \(count)"
        case let .noSuchSheet(index, sheetCount):
            return "no worksheet at index \(index): the workbook has \(sheetCount)"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
