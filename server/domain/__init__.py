"""The pure core of the exercise: no I/O, no web or database framework.

`decide(state, command, ...)` judges a command against the state and returns new events or
raises `Refused`; `evolve(state, event)` folds one event into the state. Everything else in the
server is plumbing around these two functions.

The domain is cut in vertical slices (`slices/`), one module per area, each registering its
commands, events, evolvers, view part, summaries and inverses in `registry.py`. Importing this
package loads them all.
"""

from . import slices  # noqa: F401
