import Foundation

/// A bounded queue between one producing thread and one consuming thread (tasks that
/// each hold a thread of their own): the producer
/// waits while `capacity` batches are queued, so memory stays bounded however fast it
/// reads; the consumer waits while none is. Either side can end it: the producer with
/// its outcome (`finish`), the consumer by walking away (`cancel`).
final class BatchHandOff<Batch: Sendable>: @unchecked Sendable {
    /// Thrown to the producer by `put` once the consumer has stopped taking batches.
    struct Cancelled: Error {}

    private let capacity: Int
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var queued: [Batch] = []
    private var outcome: Result<Void, any Error>?
    private var cancelled = false

    init(capacity: Int) {
        precondition(capacity > 0, "a hand-off holds at least one batch")
        self.capacity = capacity
    }

    /// Queues `batch`, waiting for room.
    /// - Throws: `Cancelled` when the consumer stopped; the producer should stop too.
    func put(_ batch: Batch) throws(Cancelled) {
        condition.lock()
        defer { condition.unlock() }
        while queued.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { throw Cancelled() }
        queued.append(batch)
        condition.broadcast()
    }

    /// The producer's last word: `nil` when every batch was put, or why it stopped.
    func finish(_ error: (any Error)?) {
        condition.lock()
        defer { condition.unlock() }
        outcome = error.map { .failure($0) } ?? .success(())
        condition.broadcast()
    }

    /// The next batch in order, waiting for one; `nil` after the last.
    /// - Throws: the producer's error, once the batches it put before it were taken.
    func take() throws -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while queued.isEmpty && outcome == nil { condition.wait() }
        if !queued.isEmpty {
            condition.broadcast()
            return queued.removeFirst()
        }
        try outcome!.get()
        return nil
    }

    /// Stops the producer at its next `put` and waits until it has finished, so nothing
    /// it uses outlives the caller's scope.
    func cancelAndWaitForProducer() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        queued.removeAll()
        condition.broadcast()
        while outcome == nil { condition.wait() }
    }
}
