"""Settings for ``benchmarks/submit.py``'s gunicorn only: the product's own, with the product's
URLs plus one baseline route (``benchmarks/submit_urls.py``). Never used by the product."""

from __future__ import annotations

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.submit_urls"
