/// Feeds each interval of a series walk to the digests of the snapshot that opened it
/// and of the snapshot that closed it: the chain's view of intervals already stored.
package struct DigestCollector {
    private var opened: [Int64: IntervalDigest] = [:]
    private var closed: [Int64: IntervalDigest] = [:]

    package init() {}

    package mutating func add(_ interval: IntervalFields) {
        interval.feed(&opened[interval.firstSnapshotID, default: IntervalDigest()])
        if !interval.isOpen { interval.feed(&closed[interval.closedBy, default: IntervalDigest()]) }
    }

    /// Per snapshot id; a snapshot that opened or closed nothing has no entry.
    package mutating func finalize() -> [Int64: IntervalDigests] {
        let none = IntervalDigests.none
        var result: [Int64: IntervalDigests] = [:]
        for id in Set(opened.keys).union(closed.keys) {
            result[id] = IntervalDigests(closed: closed[id]?.finalize() ?? none.closed,
                                         opened: opened[id]?.finalize() ?? none.opened)
        }
        return result
    }
}
