"""The demo patient's year, as the clinician sees it: every large change is judged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from accounts.models import User
from symptoms.reports.demo import demo_history_create
from symptoms.trends.change import ChangeKind, Method
from symptoms.trends.selectors import ScaleTrend, trends_get

pytestmark = pytest.mark.django_db
# The day issue 16 was filed: the demo's year depends on the day it is seeded.
DEMO_NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)


@pytest.fixture
def demo(alice: User) -> User:
    with time_machine.travel(DEMO_NOW, tick=False):
        demo_history_create(patient=alice, today=DEMO_NOW.date())
    return alice


def scale(trends: list[ScaleTrend], instrument: str, key: str) -> ScaleTrend:
    return next(t for t in trends if (t.instrument.code, t.scale.key) == (instrument, key))


def test_it_reports_the_demo_patient_s_walking_as_a_confirmed_reliable_worsening(
    demo: User,
) -> None:
    with time_machine.travel(DEMO_NOW, tick=False):
        trends = trends_get(patient=demo)

    walking = scale(list(trends.scales), "daily", "mobility").assessment
    assert walking.method is Method.RELIABLE_CHANGE
    assert walking.kind is ChangeKind.CONFIRMED_WORSENING
    assert walking.raises_exploratory_flag
    assert walking.change is not None
    assert walking.baseline is not None
    assert round(walking.baseline, 1) == 4.8
    assert walking.change >= 2.7
    assert walking.last_episode is not None
    assert walking.last_episode.first_crossed_on is not None
    assert walking.last_episode.confirmed_on is not None
    assert walking.last_episode.returned_on is None
    assert trends.exploratory_domains == ["mobility"]


def test_it_leaves_no_large_change_of_the_demo_patient_unjudged(demo: User) -> None:
    with time_machine.travel(DEMO_NOW, tick=False):
        trends = trends_get(patient=demo)

    unjudged = [
        (t.instrument.code, t.scale.key) for t in trends.scales if t.assessment.method is None
    ]
    assert unjudged == []
    pdds = scale(list(trends.scales), "pdds", "total").assessment
    assert pdds.method is Method.RELIABLE_CHANGE
    assert pdds.kind is ChangeKind.CONFIRMED_WORSENING
