"""The procedure lab: simulated seats play a scenario many times under each of several rule sets
(`ttx lab`, `POST /api/lab`; docs/LAB.md)."""
