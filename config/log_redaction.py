"""Log filters that keep secrets carried in paths out of the logs.

A reminder's one-tap link (``/one-tap/<token>/``, docs/security.md) carries its token in the
path. Django logs the path of every 4xx and 5xx answer (``django.request``) and, under
``runserver``, of every request (``django.server``): the token is cut out of those lines.
"""

from __future__ import annotations

import logging
import re

ONE_TAP_PATH = re.compile(r"/one-tap/(?!done/)[^/\s?#\"']+")


class RedactOneTapTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = ONE_TAP_PATH.sub("/one-tap/[token]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
