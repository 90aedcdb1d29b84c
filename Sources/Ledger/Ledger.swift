// Ledger: under construction in its own worktree; see the issue notes.
