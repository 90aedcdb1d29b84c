/// The set of values one cron field selects, as bits (bit n set = value n selected).
struct CronValues: Sendable, Hashable {
    var bits: UInt64 = 0

    func contains(_ value: Int) -> Bool { bits & (1 << UInt64(value)) != 0 }
    mutating func insert(_ value: Int) { bits |= 1 << UInt64(value) }

    /// Selected values in ascending order.
    var sorted: [Int] { (0..<64).filter(contains) }
}

/// Reads one field: comma-separated items, each `*`, `n`, `a-b`, with an optional `/step`.
struct CronFieldParser {
    let field: CronField
    let expression: String

    private var range: ClosedRange<Int> {
        switch field {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    private static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    func parse(_ text: Substring) throws(ScheduleError) -> CronValues {
        var values = CronValues()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw failure(text, "an empty list item") }
            try add(item, to: &values)
        }
        if field == .dayOfWeek, values.contains(7) {
            // Sunday may be written 0 or 7; matching only ever looks at 0.
            values.bits &= ~(1 << 7)
            values.insert(0)
        }
        return values
    }

    private func add(_ item: Substring, to values: inout CronValues) throws(ScheduleError) {
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw failure(item, "more than one \"/\"") }
        var step = 1
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), parsed >= 1, parsed <= range.upperBound else {
                throw failure(item, "step \"\(parts[1])\" must be a whole number from 1 to \(range.upperBound)")
            }
            step = parsed
        }
        let base = parts[0]
        let bounds: ClosedRange<Int>
        if base == "*" {
            bounds = field == .dayOfWeek ? 0...6 : range
        } else if let dash = base.firstIndex(of: "-") {
            let low = try value(base[..<dash], in: item)
            let high = try value(base[base.index(after: dash)...], in: item)
            guard low <= high else {
                throw failure(item, "range start \(low) is after its end \(high)")
            }
            bounds = low...high
        } else {
            let single = try value(base, in: item)
            // `a/n` means from a to the field's maximum in steps of n, as in Vixie cron.
            bounds = parts.count == 2 ? single...(field == .dayOfWeek ? 6 : range.upperBound) : single...single
        }
        for value in stride(from: bounds.lowerBound, through: bounds.upperBound, by: step) {
            values.insert(value)
        }
    }

    private func value(_ text: Substring, in item: Substring) throws(ScheduleError) -> Int {
        if let number = Int(text), text.allSatisfy(\.isASCII) {
            guard range.contains(number) else {
                throw failure(item, "\(number) is out of range")
            }
            return number
        }
        let name = text.lowercased()
        switch field {
        case .month:
            if let index = Self.monthNames.firstIndex(of: name) { return index + 1 }
        case .dayOfWeek:
            if let index = Self.weekdayNames.firstIndex(of: name) { return index }
        default:
            break
        }
        throw failure(item, text.isEmpty ? "a missing number" : "\"\(text)\" is not a number\(field == .month || field == .dayOfWeek ? " or name" : "")")
    }

    private func failure(_ text: Substring, _ problem: String) -> ScheduleError {
        .invalidField(expression: expression, field: field, text: String(text), problem: problem)
    }
}
