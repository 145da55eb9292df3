from accounts.models import User


def test_it_creates_a_patient_with_a_profile(alice: User) -> None:
    assert alice.patient_profile.time_zone == "UTC"
