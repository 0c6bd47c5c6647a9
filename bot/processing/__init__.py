"""How updates are handled: recorded once, one person at a time, everyone at once.

    Telegram -> intake (inbox row, then 200 / offset confirmed)
             -> update queue -> PersonalUpdateProcessor
                 -> per-person lock (asyncio here; a PostgreSQL advisory lock across workers)
                 -> this person's earlier unhandled updates first
                 -> one unit of work: handlers, then the inbox row marked handled
             -> recovery: updates a dead worker held are found by their lease and handled

See docs/exactly-once.md for what is guaranteed and what can still repeat.
"""
