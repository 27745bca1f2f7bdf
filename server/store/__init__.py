"""Event storage: the append-only log of every exercise, with its hash chain."""
