"""Instruments, self-reports and scores arrive with the self-report issue."""
