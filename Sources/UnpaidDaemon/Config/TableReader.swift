import TOMLKit

/// Typed access to one TOML table that remembers which keys were read, so keys
/// nobody asked for (typos such as `organisations`) are reported instead of ignored.
struct TableReader {
    let file: String
    let path: String
    private let table: TOMLTable
    private var consumed: Set<String> = []

    init(_ table: TOMLTable, file: String, path: String) {
        self.table = table
        self.file = file
        self.path = path
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String?, _ problem: String) -> ConfigurationError {
        ConfigurationError(file: file, key: key.map(keyPath) ?? (path.isEmpty ? nil : path), problem: problem)
    }

    private mutating func value(_ key: String) -> TOMLValueConvertible? {
        consumed.insert(key)
        return table[key]
    }

    mutating func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value.string else { throw error(key, "expected a string, found \(value.type)") }
        return text
    }

    mutating func requiredString(_ key: String) throws(ConfigurationError) -> String {
        guard let text = try string(key) else { throw error(key, "is required") }
        guard !text.isEmpty else { throw error(key, "must not be empty") }
        return text
    }

    mutating func int(_ key: String, in range: ClosedRange<Int>? = nil) throws(ConfigurationError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let number = value.int else { throw error(key, "expected an integer, found \(value.type)") }
        if let range, !range.contains(number) {
            throw error(key, "expected an integer from \(range.lowerBound) to \(range.upperBound), found \(number)")
        }
        return number
    }

    mutating func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let flag = value.bool else { throw error(key, "expected true or false, found \(value.type)") }
        return flag
    }

    /// A number of seconds written as an integer or a float (`0.5`).
    mutating func seconds(_ key: String, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        try number(key, in: range, of: "seconds")
    }

    /// A number of `unit` written as an integer or a float.
    mutating func number(_ key: String, in range: ClosedRange<Double>, of unit: String) throws(ConfigurationError) -> Double? {
        guard let value = value(key) else { return nil }
        let number: Double
        if let integer = value.int { number = Double(integer) } else if let float = value.double { number = float } else {
            throw error(key, "expected a number of \(unit), found \(value.type)")
        }
        guard range.contains(number) else {
            throw error(key, "expected \(unit) from \(range.lowerBound) to \(range.upperBound), found \(number)")
        }
        return number
    }

    /// Whether the table has `key`, without counting it as read.
    func has(_ key: String) -> Bool { table[key] != nil }

    mutating func strings(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else { throw error(key, "expected an array of strings, found \(value.type)") }
        var result: [String] = []
        for (index, element) in array.enumerated() {
            guard let text = element.string else {
                throw error("\(key)[\(index)]", "expected a string, found \(element.type)")
            }
            result.append(text)
        }
        return result
    }

    mutating func ints(_ key: String) throws(ConfigurationError) -> [Int]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else { throw error(key, "expected an array of integers, found \(value.type)") }
        var result: [Int] = []
        for (index, element) in array.enumerated() {
            guard let number = element.int else {
                throw error("\(key)[\(index)]", "expected an integer, found \(element.type)")
            }
            result.append(number)
        }
        return result
    }

    mutating func table(_ key: String) throws(ConfigurationError) -> TableReader? {
        guard let value = value(key) else { return nil }
        guard let table = value.table else { throw error(key, "expected a table, found \(value.type)") }
        return TableReader(table, file: file, path: keyPath(key))
    }

    /// `[[key]]` arrays of tables, each reader named `key[N]` (1-based, as people count).
    mutating func tables(_ key: String) throws(ConfigurationError) -> [TableReader] {
        guard let value = value(key) else { return [] }
        guard let array = value.array else { throw error(key, "expected [[\(key)]] tables, found \(value.type)") }
        var readers: [TableReader] = []
        for (index, element) in array.enumerated() {
            guard let table = element.table else {
                throw error("\(key)[\(index + 1)]", "expected a table, found \(element.type)")
            }
            readers.append(TableReader(table, file: file, path: keyPath("\(key)[\(index + 1)]")))
        }
        return readers
    }

    /// Every key of the table, for free-form maps such as column aliases.
    mutating func allKeys() -> [String] {
        let keys = table.keys
        consumed.formUnion(keys)
        return keys
    }

    func rejectUnknownKeys() throws(ConfigurationError) {
        let unknown = table.keys.filter { !consumed.contains($0) }.sorted()
        if let first = unknown.first {
            throw error(first, "unknown key (check the spelling against etc/unpaidd.example.toml)")
        }
    }
}
