import Foundation

/// Process-level figures the benchmarks print.
enum ProcessMeasurement {
    /// User plus system time of this process: on a shared machine, wall time also
    /// counts the waits for a core.
    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// VmHWM: the process's peak resident set in KiB (Linux only).
    static func peakResidentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }

    /// Restarts the peak at the current resident set (Linux `clear_refs` 5), so one
    /// process can report the peak of each measured step on its own.
    static func resetPeakResident() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    static var peakResidentText: String {
        peakResidentKiB().map { String(format: "%.1f MiB", Double($0) / 1024) } ?? "unknown"
    }

    /// The 1/5/15-minute load averages: other work on the machine skews every figure.
    static var loadAverage: String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
            .split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"
    }
}

extension Duration {
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}

func format(_ value: Double) -> String { String(format: "%.3f", value) }
