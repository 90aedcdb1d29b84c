import Synchronization

/// A value a SIGHUP reload swaps while services keep reading it: every read sees the
/// whole old value or the whole new one, and work that already took the old one goes on
/// with it (runs in flight finish under the settings they started with).
public final class Reloadable<Value: Sendable>: Sendable {
    private let current: Mutex<Value>

    public init(_ value: Value) { current = Mutex(value) }

    public var value: Value { current.withLock { $0 } }

    public func replace(_ value: Value) { current.withLock { $0 = value } }
}
