"""The consent wording people agree to, versioned. A new wording gets a new version key; old
versions stay here so that every stored consent can be shown with the words that were agreed to."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import ConsentPurpose

CONSENT_TEXTS = {
    ConsentPurpose.RESEARCH: {
        "research-v1": _(
            "I agree that my symptom reports may be included, without my name, email or any "
            "other identifier, in anonymised statistical tables for research into progressive "
            "MS. Tables only ever describe groups of at least 11 people. I can withdraw at any "
            "time; from then on my data is left out of new tables, but tables already published "
            "cannot be recalled."
        ),
        # v2: each quarter is published once, so a withdrawal cannot reach a published
        # quarter even in later releases, and a consent does not pull in earlier reports.
        "research-v2": _(
            "I agree that my symptom reports dated from today may be included, without my name, "
            "email or any other identifier, in anonymised statistical tables for research into "
            "progressive MS. Tables only ever describe groups of at least 11 people. Each "
            "quarter's tables are published once and repeated unchanged by later releases. I "
            "can withdraw at any time; from then on my reports are left out of quarters not yet "
            "published, but tables already published cannot be recalled."
        ),
    },
}

CURRENT_VERSION = {ConsentPurpose.RESEARCH: "research-v2"}


def consent_text(purpose: str, version: str) -> str:
    return str(CONSENT_TEXTS[ConsentPurpose(purpose)][version])
