import Crypto

/// The two interval digests of one snapshot: what it closed and what it opened.
package struct IntervalDigests: Sendable, Hashable {
    package var closed: [UInt8]
    package var opened: [UInt8]

    /// A snapshot that wrote no interval (the same file again).
    package static let none = IntervalDigests(closed: Array(SHA256.hash(data: [UInt8]())),
                                              opened: Array(SHA256.hash(data: [UInt8]())))

    package init(closed: [UInt8], opened: [UInt8]) {
        self.closed = closed
        self.opened = opened
    }
}
