"""Trends for clinicians and the person: pure change detection (``change``), per-scale trends
with flags (``selectors``), the clinician's pages (``views``) and the API (``api``)."""
