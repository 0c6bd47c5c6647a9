"""The active follow-up engine (issue 12): scheduled check-ins, stage messages and tasks.

- `facts` reads, in a few bulk queries per batch, what the planner needs;
- bot.domain.followup_plan (pure) decides what is due, stale or held;
- `runner` claims each due occurrence once and queues it in the outbox;
- `ladder` climbs the non-response ladder of unanswered check-ins;
- `tasks` holds staff follow-up tasks, /due's list and the daily digest;
- `messages` renders what a person receives.
"""
