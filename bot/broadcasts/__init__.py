"""Admin broadcasts: segments of the population, one outbox row per recipient, progress.

`segments` is pure (who matches, who is excluded and why); `service` creates,
confirms and cancels broadcasts in the database; `progress` reads their figures.
The chat (/broadcast) and the command line (python -m bot broadcast) both drive
`service`.
"""
