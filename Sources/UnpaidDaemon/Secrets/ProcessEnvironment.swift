import Foundation

/// The process's environment, which holds secrets (`private_key_env`, `url_env`,
/// `secret_env`): it can be read by name but never printed. Its descriptions and its
/// mirror show only how many variables it has, so a type that keeps it (the daemon,
/// for reloads) cannot leak it through `"\(value)"`, `dump` or a service group's debug log.
public struct ProcessEnvironment: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let variables: [String: String]

    public init(_ variables: [String: String] = ProcessInfo.processInfo.environment) {
        self.variables = variables
    }

    public subscript(name: String) -> String? { variables[name] }

    public var description: String { "ProcessEnvironment(\(variables.count) variables, not shown)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
