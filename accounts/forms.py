"""Web forms for accounts. They validate input and hand clean values to ``accounts.services``;
they never write to the database themselves."""

from __future__ import annotations

from datetime import time
from typing import Any, cast

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm
from allauth.account.models import EmailAddress
from allauth.account.utils import setup_user_email
from allauth.mfa.base.forms import AuthenticateForm as MFAAuthenticateForm
from allauth.mfa.webauthn.forms import AddWebAuthnForm
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts import services
from accounts.models import (
    MSType,
    PatientProfile,
    Sex,
    User,
    available_time_zones,
    validate_past_year,
    validate_time_zone,
)
from accounts.services import PROFILE_FIELDS
from accounts.time_zones import main_time_zone


def _country_choices() -> list[tuple[str, str]]:
    # A callable, so the names follow the language of each request.
    return [("", _("Not set")), *((code, name) for code, name in countries)]


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(available_time_zones())]


class YearInput(forms.TextInput):
    """A year typed as text with a numeric keyboard: number inputs change value on scroll and
    announce poorly in some screen readers."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            {"inputmode": "numeric", "pattern": "[0-9]*", "size": "4", **(attrs or {})}
        )


class TimeZoneField(forms.ChoiceField):
    """A select of IANA zones whose error for an unknown zone is the model's clearer one."""

    default_validators = [validate_time_zone]

    def valid_value(self, value: Any) -> bool:
        return True  # validate_time_zone (run next) explains the problem better


class ProfileForm(forms.Form):
    """The patient profile fields, all optional apart from the time zone and language."""

    birth_year = forms.IntegerField(
        label=_("Year of birth (optional)"),
        required=False,
        validators=[validate_past_year],
        widget=YearInput(attrs={"autocomplete": "bday-year"}),
        help_text=_("For example, 1968."),
    )
    sex = forms.ChoiceField(
        label=_("Sex (optional)"),
        choices=Sex.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    ms_type = forms.ChoiceField(
        label=_("Type of MS (optional)"),
        choices=MSType.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    diagnosis_year = forms.IntegerField(
        label=_("Year of diagnosis (optional)"),
        required=False,
        validators=[validate_past_year],
        widget=YearInput(),
        help_text=_("The year you were told you have MS."),
    )
    country = forms.ChoiceField(
        label=_("Country (optional)"),
        choices=_country_choices,
        required=False,
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    time_zone = TimeZoneField(
        label=_("Time zone"),
        choices=_time_zone_choices,
        initial="UTC",
        help_text=_("Reminders are sent at the time you choose in this time zone."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="en")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("language"):
            language = (get_language() or "en").split("-")[0]
            if language in dict(settings.LANGUAGES):
                self.fields["language"].initial = language

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        birth, diagnosis = cleaned.get("birth_year"), cleaned.get("diagnosis_year")
        if birth is not None and diagnosis is not None and diagnosis < birth:
            self.add_error(
                "diagnosis_year", _("The year of diagnosis cannot be before the year of birth.")
            )
        return cleaned

    def profile_data(self, *, changed_only: bool = False) -> dict[str, Any]:
        names = self.changed_data if changed_only else list(self.fields)
        return {name: self.cleaned_data[name] for name in names if name in PROFILE_FIELDS}

    @staticmethod
    def initial_from(profile: PatientProfile) -> dict[str, Any]:
        return {
            "birth_year": profile.birth_year,
            "sex": profile.sex,
            "ms_type": profile.ms_type,
            "diagnosis_year": profile.diagnosis_year,
            "country": profile.country.code or "",
            "time_zone": profile.time_zone,
            "language": profile.language,
        }


class AccountSignUpForm(SignupForm):  # type: ignore[misc]  # allauth's forms are untyped
    """allauth's sign-up form (email, password twice, checked against the site's password
    rules) with a name; subclasses create the account through ``accounts.services``.

    An address that already has an account is not refused here: allauth answers exactly as for
    a new one and mails the owner instead (ACCOUNT_PREVENT_ENUMERATION)."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["email", "full_name", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email")
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "maxlength": 254})
        for name, label, help_text in (
            (
                "password1",
                _("Password"),
                _("At least 12 characters. A few unrelated words are easy to remember."),
            ),
            (
                "password2",
                _("Password again"),
                _("Type the same password again, to be sure it has no typing mistake."),
            ),
        ):
            if name in self.fields:
                self.fields[name].label = label
                self.fields[name].help_text = help_text
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)

    def account_create(self) -> User:
        raise NotImplementedError

    def save(self, request: HttpRequest) -> User:
        """Create the account through the service, then record its (unconfirmed) address."""
        user = self.account_create()
        setup_user_email(request, user, [EmailAddress(email=user.email)])
        return user


class ReminderChoiceForm(forms.Form):
    """Sign-up asks whether and when to be reminded: nothing is chosen for the person, and "no
    reminders" is one of the answers (docs/reminders.md)."""

    NONE = "none"

    reminder_frequency = forms.ChoiceField(
        label=_("Reminders for your daily check-in"),
        choices=[
            ("daily", _("Every day")),
            ("weekly", _("Once a week")),
            (NONE, _("No reminders: I will come back when I want")),
        ],
        widget=forms.RadioSelect,
        help_text=_("You can change this at any time on the Reminders page."),
        error_messages={"required": _("Choose when to be reminded, or no reminders.")},
    )
    reminder_time = forms.TimeField(
        label=_("At what time"),
        required=False,
        initial=time(19, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("In your time zone, chosen above. For example, 19:00."),
    )
    reminder_weekday = forms.TypedChoiceField(
        label=_("On which day (if once a week)"),
        choices=[("", _("Choose a day")), *((str(day), name) for day, name in WEEKDAYS.items())],
        coerce=int,
        empty_value=None,
        required=False,
    )
    reminder_questionnaires = forms.BooleanField(
        label=_("Also remind me when one of the monthly questionnaires is due, at the same time"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        frequency = cleaned.get("reminder_frequency")
        if frequency in (None, self.NONE):
            return cleaned
        if cleaned.get("reminder_time") is None and "reminder_time" not in self.errors:
            self.add_error("reminder_time", _("Choose the time of your reminder."))
        if frequency == "weekly" and cleaned.get("reminder_weekday") is None:
            self.add_error("reminder_weekday", _("Choose the day of your weekly reminder."))
        return cleaned

    def reminder_choice(self) -> dict[str, Any] | None:
        """What ``services.patient_sign_up`` takes as ``reminders``; None for no reminders."""
        frequency = self.cleaned_data["reminder_frequency"]
        if frequency == self.NONE:
            return None
        return {
            "frequency": frequency,
            "local_time": self.cleaned_data["reminder_time"],
            "weekday": self.cleaned_data.get("reminder_weekday"),
            "questionnaires": self.cleaned_data["reminder_questionnaires"],
        }


class PatientSignUpForm(AccountSignUpForm, ProfileForm, ReminderChoiceForm):
    field_order = [
        "email",
        "full_name",
        "password1",
        "password2",
        "birth_year",
        "sex",
        "ms_type",
        "diagnosis_year",
        "country",
        "time_zone",
        "language",
        "reminder_frequency",
        "reminder_time",
        "reminder_weekday",
        "reminder_questionnaires",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Never UTC by default: a small script preselects the browser's own zone, and without
        # it (or when the browser's zone is not listed) the country's main zone is used.
        zone = cast(TimeZoneField, self.fields["time_zone"])
        zone.required = False
        zone.initial = ""
        zone.choices = [
            ("", _("Not sure: use my country's main time zone")),
            *_time_zone_choices(),
        ]
        if not self.is_bound:
            zone.widget.attrs["data-detect-time-zone"] = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("time_zone") and "time_zone" not in self.errors:
            cleaned["time_zone"] = main_time_zone(cleaned.get("country") or "") or "UTC"
        return cleaned

    def account_create(self) -> User:
        return services.patient_sign_up(
            email=self.cleaned_data["email"],
            password=self.cleaned_data["password1"],
            full_name=self.cleaned_data["full_name"],
            profile=self.profile_data(),
            reminders=self.reminder_choice(),
        )


class ResearcherSignUpForm(AccountSignUpForm):
    institution = forms.CharField(
        label=_("Institution"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    purpose = forms.CharField(
        label=_("What do you intend to study?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Staff read this when they decide on your application."),
    )

    def account_create(self) -> User:
        return services.researcher_sign_up(
            email=self.cleaned_data["email"],
            password=self.cleaned_data["password1"],
            full_name=self.cleaned_data["full_name"],
            institution=self.cleaned_data["institution"],
            purpose=self.cleaned_data["purpose"],
        )


class LoginForm(AllauthLoginForm):  # type: ignore[misc]  # allauth's forms are untyped
    """allauth's sign-in form with the site's wording: a labelled email field, no placeholder.
    It passes the request to authenticate(), which django-axes needs to count failures."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Email")
        login.widget.attrs = {"autocomplete": "email", "autofocus": True, "maxlength": 254}
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""


class NameForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class PatientProfileForm(NameForm, ProfileForm):
    field_order = ["full_name"]


class ConsentForm(forms.Form):
    DECISIONS = (("grant", _("Grant")), ("withdraw", _("Withdraw")))

    decision = forms.ChoiceField(choices=DECISIONS)

    @property
    def granted(self) -> bool:
        return bool(self.cleaned_data["decision"] == "grant")


class RedeemForm(forms.Form):
    code = forms.CharField(
        label=_("Share code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "code-input",
            }
        ),
        help_text=_("The 8-character code the person gave you, for example 7K3M-9QX2."),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Patient's email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class SecondFactorForm(MFAAuthenticateForm):  # type: ignore[misc]  # allauth's forms are untyped
    """allauth's second-factor step, ready for typing: focus in the field, a number keyboard on
    phones, and a label instead of a placeholder."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = _("Code from your authenticator app, or a recovery code")
        code.widget.attrs = {
            "autocomplete": "one-time-code",
            "autofocus": True,
            "inputmode": "numeric",
            "spellcheck": "false",
        }


class PasskeyAddForm(AddWebAuthnForm):  # type: ignore[misc]  # allauth's forms are untyped
    """allauth's "add a security key" form, offering a passkey first: a key that signs in on
    its own (fingerprint, face or screen lock) is the easiest sign-in with unsteady hands."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name of this key, for example My phone")
        self.fields["name"].widget.attrs.pop("placeholder", None)
        if "passwordless" in self.fields:
            passwordless = self.fields["passwordless"]
            passwordless.label = _("Use it to log in without email or password (a passkey)")
            passwordless.help_text = _(
                "Your phone or computer will ask for your fingerprint, face, PIN or screen lock."
            )
            passwordless.initial = True
