from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from accounts import errors, selectors, services
from accounts.models import (
    AuditAction,
    AuditEvent,
    ClinicianInvite,
    Consent,
    ResearcherProfile,
    ShareCode,
    SharingLink,
    User,
)
from accounts.tasks import invite_send

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("created_at", "pk").values_list("action", flat=True))


class TestSignUp:
    def test_it_creates_a_patient_with_profile(self) -> None:
        user = services.patient_sign_up(
            email="new@example.org",
            password="long enough password",
            full_name="New Person",
            profile={"birth_year": 1970, "ms_type": "ppms", "time_zone": "Europe/Rome"},
        )

        assert user.patient_profile.ms_type == "ppms"
        assert user.patient_profile.time_zone == "Europe/Rome"
        assert actions() == [AuditAction.PROFILE_UPDATED]

    def test_it_refuses_a_taken_email_in_any_case(self, alice: User) -> None:
        with pytest.raises(errors.EmailTaken):
            services.patient_sign_up(email="ALICE@example.org", password="x" * 12)

    def test_it_leaves_no_half_made_account_on_bad_profile(self) -> None:
        with pytest.raises(Exception, match="time zone"):
            services.patient_sign_up(
                email="new@example.org", password="x" * 12, profile={"time_zone": "Nowhere/City"}
            )
        assert not User.objects.filter(email="new@example.org").exists()

    def test_it_creates_a_pending_researcher(self) -> None:
        user = services.researcher_sign_up(
            email="r@example.org",
            password="x" * 12,
            full_name="R",
            institution="University",
            purpose="Fatigue burden",
        )

        profile = ResearcherProfile.objects.get(user=user)
        assert (profile.status, profile.institution) == ("pending", "University")


class TestMeUpdate:
    def test_it_changes_name_and_profile_together(self, alice: User) -> None:
        services.me_update(user=alice, full_name="Alice P.", profile={"ms_type": "ppms"})

        alice.refresh_from_db()
        assert (alice.full_name, alice.patient_profile.ms_type) == ("Alice P.", "ppms")

    def test_it_keeps_the_name_when_the_profile_is_refused(self, alice: User) -> None:
        with pytest.raises(ValidationError):
            services.me_update(
                user=alice, full_name="Changed", profile={"time_zone": "Nowhere/City"}
            )

        alice.refresh_from_db()
        assert alice.full_name == "Alice Patient"
        assert actions() == []

    def test_it_refuses_a_profile_for_a_clinician(self, charlie: User) -> None:
        with pytest.raises(errors.NoProfile):
            services.me_update(user=charlie, full_name="New", profile={"birth_year": 1970})

        charlie.refresh_from_db()
        assert charlie.full_name == "Dr Charlie Clinician"


class TestResearcherDecision:
    def test_it_approves_and_audits(self, rita: User, sam: User) -> None:
        services.researcher_decide(researcher=rita, staff=sam, approve=True)

        rita.refresh_from_db()
        assert rita.is_approved_researcher
        event = AuditEvent.objects.get()
        assert (event.action, event.actor) == (AuditAction.RESEARCHER_APPROVED, sam)


class TestConsent:
    def test_it_grants_once_and_keeps_history(self, alice: User) -> None:
        with time_machine.travel(NOON, tick=False):
            first = services.consent_set(user=alice, granted=True)
            again = services.consent_set(user=alice, granted=True)

        assert first == again
        assert first is not None
        assert first.text_version == "research-v2"
        assert actions() == [AuditAction.CONSENT_GRANTED]

    def test_it_withdraws_as_easily_as_it_grants(self, alice: User) -> None:
        with time_machine.travel(NOON, tick=False):
            services.consent_set(user=alice, granted=True)
        with time_machine.travel(NOON + timedelta(days=3), tick=False):
            assert services.consent_set(user=alice, granted=False) is None
        with time_machine.travel(NOON + timedelta(days=5), tick=False):
            services.consent_set(user=alice, granted=True)

        history = list(selectors.consent_history(user=alice))
        assert [(c.granted_at, c.withdrawn_at) for c in history] == [
            (NOON + timedelta(days=5), None),
            (NOON, NOON + timedelta(days=3)),
        ]
        assert actions() == [
            AuditAction.CONSENT_GRANTED,
            AuditAction.CONSENT_WITHDRAWN,
            AuditAction.CONSENT_GRANTED,
        ]

    def test_it_does_nothing_when_withdrawing_without_consent(self, alice: User) -> None:
        assert services.consent_set(user=alice, granted=False) is None
        assert not Consent.objects.exists()
        assert actions() == []


class TestShareCodes:
    def test_it_links_a_clinician_with_a_code(self, alice: User, charlie: User) -> None:
        with time_machine.travel(NOON, tick=False):
            code, share_code = services.share_code_create(patient=alice)
            link = services.share_code_redeem(clinician=charlie, code=code)

        assert share_code.expires_at == NOON + timedelta(minutes=15)
        assert (link.patient, link.clinician, link.is_active) == (alice, charlie, True)
        assert list(selectors.clinician_patients(clinician=charlie)) == [alice]
        assert actions() == [AuditAction.SHARE_CODE_CREATED, AuditAction.SHARING_LINK_CREATED]

    def test_it_stores_only_a_hash_of_the_code(self, alice: User) -> None:
        code, share_code = services.share_code_create(patient=alice)

        assert code.replace("-", "") not in share_code.code_hash
        assert len(share_code.code_hash) == 64

    def test_it_accepts_the_code_as_people_type_it(self, alice: User, charlie: User) -> None:
        code, _ = services.share_code_create(patient=alice)
        typed = " " + code.lower().replace("-", " ").replace("0", "o").replace("1", "l") + " "

        link = services.share_code_redeem(clinician=charlie, code=typed)

        assert link.patient == alice

    def test_it_refuses_an_expired_code(self, alice: User, charlie: User) -> None:
        with time_machine.travel(NOON, tick=False):
            code, _ = services.share_code_create(patient=alice)
        with (
            time_machine.travel(NOON + timedelta(minutes=15), tick=False),
            pytest.raises(errors.ShareCodeInvalid),
        ):
            services.share_code_redeem(clinician=charlie, code=code)
        assert not SharingLink.objects.exists()

    def test_it_uses_a_code_only_once(self, alice: User, charlie: User, dana: User) -> None:
        code, _ = services.share_code_create(patient=alice)
        services.share_code_redeem(clinician=charlie, code=code)

        with pytest.raises(errors.ShareCodeInvalid):
            services.share_code_redeem(clinician=dana, code=code)
        assert not selectors.clinician_patients(clinician=dana).exists()

    def test_it_refuses_a_made_up_code(self, charlie: User) -> None:
        with pytest.raises(errors.ShareCodeInvalid):
            services.share_code_redeem(clinician=charlie, code="AAAA-BBBB")

    def test_it_lets_only_clinicians_redeem(self, alice: User, bob: User) -> None:
        code, _ = services.share_code_create(patient=alice)

        with pytest.raises(errors.WrongRole):
            services.share_code_redeem(clinician=bob, code=code)

    def test_it_lets_only_patients_create_codes(self, charlie: User) -> None:
        with pytest.raises(errors.WrongRole):
            services.share_code_create(patient=charlie)

    def test_it_reuses_the_open_link_on_a_second_code(self, alice: User, charlie: User) -> None:
        first = services.share_code_redeem(
            clinician=charlie, code=services.share_code_create(patient=alice)[0]
        )
        second = services.share_code_redeem(
            clinician=charlie, code=services.share_code_create(patient=alice)[0]
        )

        assert first == second
        assert SharingLink.objects.count() == 1

    def test_it_purges_expired_codes_only(self, alice: User) -> None:
        with time_machine.travel(NOON, tick=False):
            services.share_code_create(patient=alice)
        with time_machine.travel(NOON + timedelta(minutes=10), tick=False):
            services.share_code_create(patient=alice)
        with time_machine.travel(NOON + timedelta(minutes=16), tick=False):
            assert services.share_codes_purge_expired() == 1
        assert ShareCode.objects.count() == 1


class TestRevocation:
    @pytest.mark.parametrize("side", ["patient", "clinician"])
    def test_either_side_revokes_at_once(
        self, side: str, alice: User, charlie: User, alice_shares_with_charlie: SharingLink
    ) -> None:
        by = alice if side == "patient" else charlie

        services.sharing_link_revoke(link=alice_shares_with_charlie, by=by)

        assert alice not in selectors.clinician_patients(clinician=charlie)
        assert not selectors.sharing_link_list(user=alice).exists()
        assert SharingLink.objects.get().revoked_by == by
        assert actions() == [AuditAction.SHARING_LINK_REVOKED]

    def test_it_revokes_once(self, alice: User, alice_shares_with_charlie: SharingLink) -> None:
        services.sharing_link_revoke(link=alice_shares_with_charlie, by=alice)
        services.sharing_link_revoke(link=alice_shares_with_charlie, by=alice)

        assert actions() == [AuditAction.SHARING_LINK_REVOKED]

    def test_a_stranger_cannot_revoke(self, bob: User, alice_shares_with_charlie: Any) -> None:
        with pytest.raises(errors.WrongRole):
            services.sharing_link_revoke(link=alice_shares_with_charlie, by=bob)
        assert alice_shares_with_charlie.is_active

    def test_sharing_again_after_revoking_opens_a_new_link(
        self, alice: User, charlie: User, alice_shares_with_charlie: SharingLink
    ) -> None:
        services.sharing_link_revoke(link=alice_shares_with_charlie, by=alice)

        link = services.share_code_redeem(
            clinician=charlie, code=services.share_code_create(patient=alice)[0]
        )

        assert link != alice_shares_with_charlie
        assert SharingLink.objects.count() == 2


class TestInvites:
    def test_it_emails_the_invite_and_shares_nothing_yet(
        self, charlie: User, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            invite = services.invite_create(clinician=charlie, email="Alice@Example.org")

        assert invite.email == "alice@example.org"
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["alice@example.org"]
        assert "Dr Charlie Clinician" in mail.outbox[0].body
        assert not SharingLink.objects.exists()

    def test_accepting_opens_a_link(self, alice: User, charlie: User) -> None:
        invite = services.invite_create(clinician=charlie, email="alice@example.org")

        invite = services.invite_decide(invite=invite, patient=alice, accept=True)

        assert invite.status == ClinicianInvite.Status.ACCEPTED
        assert invite.link is not None
        assert invite.link.clinician == charlie
        assert alice in selectors.clinician_patients(clinician=charlie)

    def test_declining_shares_nothing(self, alice: User, charlie: User) -> None:
        invite = services.invite_create(clinician=charlie, email="alice@example.org")

        services.invite_decide(invite=invite, patient=alice, accept=False)

        assert alice not in selectors.clinician_patients(clinician=charlie)
        with pytest.raises(errors.InviteNotPending):
            services.invite_decide(invite=invite, patient=alice, accept=True)

    def test_only_the_addressee_can_accept(self, bob: User, charlie: User) -> None:
        invite = services.invite_create(clinician=charlie, email="alice@example.org")

        with pytest.raises(errors.InviteEmailMismatch):
            services.invite_decide(invite=invite, patient=bob, accept=True)

    @pytest.mark.parametrize("decided", [False, True])
    def test_it_emails_only_an_invite_that_is_still_pending(
        self, alice: User, charlie: User, decided: bool
    ) -> None:
        # The email task may run late (a retry, a message resent after an outage): by then the
        # patient may have answered, or the invitation expired.
        with time_machine.travel(NOON, tick=False):
            invite = services.invite_create(clinician=charlie, email="alice@example.org")
            if decided:
                services.invite_decide(invite=invite, patient=alice, accept=False)
        later = NOON if decided else NOON + timedelta(days=15)
        with time_machine.travel(later, tick=False):
            invite_send(invite.pk)

        assert mail.outbox == []

    def test_an_expired_invite_cannot_be_accepted(self, alice: User, charlie: User) -> None:
        with time_machine.travel(NOON, tick=False):
            invite = services.invite_create(clinician=charlie, email="alice@example.org")
        with (
            time_machine.travel(NOON + timedelta(days=15), tick=False),
            pytest.raises(errors.InviteNotPending),
        ):
            services.invite_decide(invite=invite, patient=alice, accept=True)


class TestInviteOutbox:
    """An invitation's email is an outbox entry: sent exactly once, even when its message is
    lost, delivered twice, or its worker dies mid-send."""

    def invite(self, charlie: User) -> ClinicianInvite:
        # In a test transaction the on-commit enqueue never runs: like a message that was lost.
        with time_machine.travel(NOON, tick=False):
            return services.invite_create(clinician=charlie, email="alice@example.org")

    def test_the_reaper_sends_an_invitation_whose_message_was_lost(self, charlie: User) -> None:
        invite = self.invite(charlie)
        with time_machine.travel(NOON + timedelta(minutes=1), tick=False):
            assert services.invites_requeue_unsent() == 0  # too recent: may still be queued
        with time_machine.travel(NOON + timedelta(minutes=3), tick=False):
            assert services.invites_requeue_unsent() == 1  # eager: sent on the spot
            assert services.invites_requeue_unsent() == 0
        assert [m.to for m in mail.outbox] == [["alice@example.org"]]
        invite.refresh_from_db()
        assert invite.emailed_at == NOON + timedelta(minutes=3)

    def test_a_message_delivered_twice_sends_one_email(self, charlie: User) -> None:
        invite = self.invite(charlie)
        with time_machine.travel(NOON, tick=False):
            invite_send(invite.pk)
            invite_send(invite.pk)
        assert len(mail.outbox) == 1

    def test_a_send_whose_worker_died_is_retried_after_the_claim_goes_stale(
        self, charlie: User
    ) -> None:
        invite = self.invite(charlie)
        with time_machine.travel(NOON, tick=False):
            assert services.invite_email_claim(invite_id=invite.pk) is not None  # then it died
        with time_machine.travel(NOON + timedelta(minutes=5), tick=False):
            assert services.invites_requeue_unsent() == 0  # someone may still be sending
        with time_machine.travel(NOON + timedelta(minutes=11), tick=False):
            assert services.invites_requeue_unsent() == 1
        assert len(mail.outbox) == 1

    def test_a_failed_send_leaves_it_for_the_retry(
        self, charlie: User, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        invite = self.invite(charlie)

        def smtp_down(**kwargs: Any) -> None:
            raise ConnectionError("SMTP refused")

        monkeypatch.setattr("accounts.mail.invite_email_send", smtp_down)
        with time_machine.travel(NOON, tick=False), pytest.raises(ConnectionError):
            invite_send.run(invite.pk)
        monkeypatch.undo()
        with time_machine.travel(NOON + timedelta(seconds=30), tick=False):
            invite_send(invite.pk)
        assert len(mail.outbox) == 1
