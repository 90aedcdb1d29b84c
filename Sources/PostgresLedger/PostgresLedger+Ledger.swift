import Ledger

/// The PostgreSQL backend behind the one interface the pipeline, daemon and CLI hold.
extension PostgresLedger: Ledger {}
