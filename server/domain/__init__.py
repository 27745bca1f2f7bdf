"""The pure core of the exercise: no I/O, no web or database framework.

`decide(state, command, ...)` judges a command against the state and returns new events or
raises `Refused`; `evolve(state, event)` folds one event into the state. Everything else in the
server is plumbing around these two functions.
"""
