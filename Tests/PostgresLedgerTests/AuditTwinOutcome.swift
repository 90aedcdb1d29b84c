import Ledger
import Testing

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

/// Expects PostgreSQL's answers to be SQLite's, one by one, so a failure shows the one that
/// differs rather than two long lists.
func expectAlike<Answer: Equatable>(_ postgres: [Answer], _ sqlite: [Answer],
                                    sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(postgres.count == sqlite.count, "as many answers", sourceLocation: sourceLocation)
    for (onPostgres, onSQLite) in zip(postgres, sqlite) { #expect(onPostgres == onSQLite, sourceLocation: sourceLocation) }
}
