"""Instruments: definition files (``*.toml``), their loader (``definitions``), the pure scoring
engine (``scoring``), and the licensed official wording (``services``, ``selectors``, ``api``)."""
