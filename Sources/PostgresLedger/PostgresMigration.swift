/// One step of the schema: literal SQL statements, applied together in one transaction and
/// recorded by name in `schema_migration`. Frozen once shipped: a change of schema is a new
/// migration appended to ``PostgresSchema/migrations``, never an edit of one that databases
/// in the field already ran. A list of statements because the driver's extended protocol
/// runs one statement per query.
struct PostgresMigration: Sendable {
    let name: String
    let statements: [String]
}
