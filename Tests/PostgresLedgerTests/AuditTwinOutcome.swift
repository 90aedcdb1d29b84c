import Ledger

/// What a query answered, or the error it gave: both backends must give the same.
enum AuditTwinOutcome<Value: Equatable>: Equatable {
    case value(Value)
    case audit(AuditError)
    case ledger(LedgerError)
    /// Any other error, by its description: never expected, shown when it happens.
    case other(String)

    static func of(_ body: () async throws -> Value) async -> AuditTwinOutcome {
        do {
            return .value(try await body())
        } catch let error as AuditError {
            return .audit(error)
        } catch let error as LedgerError {
            return .ledger(error)
        } catch {
            return .other("\(type(of: error)): \(error)")
        }
    }
}
