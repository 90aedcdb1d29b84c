import Foundation
import Logging
import Synchronization
import UnpaidDaemon

func instant(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

/// Collects log lines so tests can check what the scheduler said.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    var all: [Entry] { entries.withLock { $0 } }

    func entries(_ message: String) -> [Entry] { all.filter { $0.message == message } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(recorder: self) }
    }

    fileprivate func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.append(Entry(level: event.level, message: event.message.description,
                                  metadata: merged.mapValues { "\($0)" }))
        }
    }
}

/// Remembers fire times in memory; the daemon's real store is the SQLite ledger.
final class MemoryFireTimeStore: FireTimeStore {
    struct Unreadable: Error, CustomStringConvertible {
        var description: String { "database is locked" }
    }

    private let fires: Mutex<[String: [Date]]>
    private let unreadable: Bool

    init(_ initial: [String: Date] = [:], unreadable: Bool = false) {
        fires = Mutex(initial.mapValues { [$0] })
        self.unreadable = unreadable
    }

    func lastFire(job: String) throws -> Date? {
        if unreadable { throw Unreadable() }
        return fires.withLock { $0[job]?.max() }
    }

    func recordFire(job: String, scheduledAt: Date) throws {
        fires.withLock { $0[job, default: []].append(scheduledAt) }
    }

    func recorded(_ job: String) -> [Date] { fires.withLock { $0[job] ?? [] } }
}

struct JobFailure: Error, CustomStringConvertible {
    var description: String { "the organization list could not be fetched" }
}

/// Records every run; can hold a job's runs until released, or make a job fail.
final class ScriptedExecutor: JobExecutor {
    struct Call: Sendable, Equatable {
        let job: String
        let scheduledAt: Date
    }

    private struct State {
        var started: [Call] = []
        var finished: [Call] = []
        var held: Set<String> = []
        var heldRuns: [CheckedContinuation<Void, Never>] = []
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    let failing: Set<String>

    init(failing: Set<String> = [], holding held: Set<String> = []) {
        self.failing = failing
        state.withLock { $0.held = held }
    }

    var started: [Call] { state.withLock { $0.started } }
    var finished: [Call] { state.withLock { $0.finished } }

    func execute(job: String, scheduledAt: Date) async throws {
        let call = Call(job: job, scheduledAt: scheduledAt)
        let (hold, ready) = state.withLock { state in
            state.started.append(call)
            let count = state.started.count
            let ready = state.waiters.filter { $0.count <= count }.map(\.continuation)
            state.waiters.removeAll { $0.count <= count }
            return (state.held.contains(job), ready)
        }
        for waiter in ready { waiter.resume() }
        if hold {
            await withCheckedContinuation { continuation in
                state.withLock { $0.heldRuns.append(continuation) }
            }
        }
        if failing.contains(job) { throw JobFailure() }
        state.withLock { $0.finished.append(call) }
    }

    /// Lets held runs finish and stops holding new ones.
    func release() {
        let runs = state.withLock { state in
            state.held = []
            defer { state.heldRuns = [] }
            return state.heldRuns
        }
        for run in runs { run.resume() }
    }

    /// Returns once `count` runs have started.
    func waitForStarts(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.started.count >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

