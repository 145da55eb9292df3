"""Self-reports: the daily check-in, questionnaires one question per page, drafts, corrections,
the receipt and the patient's home page. Writes in ``services``, reads in ``selectors``."""
