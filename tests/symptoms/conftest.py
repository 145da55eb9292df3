"""Fixtures the patient's pages share across features (reports, history, my_data)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client

from accounts.models import User
from tests.symptoms.factories import PAGES_NOW


@pytest.fixture
def pages_clock() -> Iterator[None]:
    """The clock of the patient-page tests, frozen at ``PAGES_NOW``."""
    with time_machine.travel(PAGES_NOW, tick=False):
        yield


@pytest.fixture
def alice_client(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client
