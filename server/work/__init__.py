"""CPU-heavy work off the event loop: one bounded pool (pool.py) and the jobs it runs (jobs.py)."""
