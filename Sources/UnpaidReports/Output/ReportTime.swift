import Foundation

/// Instants as finance reads them: ISO 8601 in the configured zone, to the second
/// (`2026-10-01T08:00:00+08:00`, `Z` in UTC), and days (`2026-10-01`).
///
/// Formatting a million billing starts with Foundation's styles takes seconds, so the
/// calendar arithmetic is done here; the zone's offset is asked once per quarter hour
/// of the timeline (every zone's transitions fall on quarter hours since 1970) and kept.
public struct ReportTime {
    public let timeZone: TimeZone
    private var offsets: [Int64: Int32] = [:]
    private var lastBlock: (block: Int64, offset: Int32)?

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    public mutating func string(_ date: Date) -> String {
        string(seconds: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    public mutating func string(seconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(25)
        append(seconds: seconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The text of `string(seconds:)` appended to `bytes`, for listings of a million rows.
    public mutating func append(seconds: Int64, to bytes: inout [UInt8]) {
        let offset = Int64(offsetSeconds(at: seconds))
        let (days, second) = (seconds + offset).floorDivided(by: 86_400)
        Self.appendDay(days, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        Self.appendTwoDigits(second / 3_600, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.appendTwoDigits(second / 60 % 60, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.appendTwoDigits(second % 60, to: &bytes)
        guard offset != 0 else {
            bytes.append(UInt8(ascii: "Z"))
            return
        }
        let minutes = abs(offset) / 60
        bytes.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        Self.appendTwoDigits(minutes / 60, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.appendTwoDigits(minutes % 60, to: &bytes)
    }

    /// The local calendar day of an instant.
    public mutating func day(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        return Self.day((seconds + Int64(offsetSeconds(at: seconds))).floorDivided(by: 86_400).quotient)
    }

    private mutating func offsetSeconds(at seconds: Int64) -> Int32 {
        let block = seconds.floorDivided(by: 900).quotient
        // Neighbouring rows mostly share a block: no hashing for them.
        if let last = lastBlock, last.block == block { return last.offset }
        if let offset = offsets[block] {
            lastBlock = (block, offset)
            return offset
        }
        let start = block * 900
        let first = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(start)))
        let last = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(start + 899)))
        // A block holding a transition (none should, but history has odd ones) is asked each time.
        guard first == last else {
            return Int32(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
        }
        offsets[block] = Int32(first)
        lastBlock = (block, Int32(first))
        return Int32(first)
    }

    /// `YYYY-MM-DD` of a day count since 1970-01-01.
    static func day(_ daysSinceEpoch: Int64) -> String {
        var bytes: [UInt8] = []
        appendDay(daysSinceEpoch, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `YYYY-MM-DD` of a day count since 1970-01-01 (proleptic Gregorian, H. Hinnant's civil_from_days).
    static func appendDay(_ daysSinceEpoch: Int64, to bytes: inout [UInt8]) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        if (0...9_999).contains(year) {
            appendTwoDigits(year / 100, to: &bytes)
            appendTwoDigits(year % 100, to: &bytes)
        } else {
            bytes.append(contentsOf: String(year).utf8)
        }
        bytes.append(UInt8(ascii: "-"))
        appendTwoDigits(month, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendTwoDigits(day, to: &bytes)
    }

    /// 0 to 99 as two digits.
    private static func appendTwoDigits(_ value: Int64, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "0") + UInt8(value / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, with a remainder in 0..<divisor.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
