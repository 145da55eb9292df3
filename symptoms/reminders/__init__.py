"""Reminders: schedules (``schedules``), the pure DST-safe planner (``planning``), occurrences as
rows and the dispatcher that claims them (``occurrences``), sending one (``sending``) through a
channel (``channels``), the signed links in emails (``links``), the reads of the log and
adherence (``selectors``), thin Celery tasks (``tasks``), the pages (``views``, ``forms``) and the
API (``api``).

See docs/reminders.md for how due times are computed, claimed, sent, retried and audited.
"""
