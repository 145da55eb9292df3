"""Reminders: schedules (``schedules``), their occurrences as rows and the dispatcher that
claims them (``occurrences``), and the channels that deliver them (``channels``).

See docs/reminders.md for how due times are computed, claimed, sent, retried and audited.
"""
