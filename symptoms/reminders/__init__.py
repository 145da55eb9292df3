"""Reminders: schedules (``schedules``), their occurrences as rows and the dispatcher that
claims them (``occurrences``), sending one (``sending``) through a channel (``channels``), the
signed links in emails (``links``), and the reads of the log and adherence (``selectors``).

See docs/reminders.md for how due times are computed, claimed, sent, retried and audited.
"""
