"""Web forms for self-reports. They turn posted strings into the answers
``symptoms.reports.services`` takes (whole numbers or a special answer) and never write to the
database themselves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.forms.boundfield import BoundField, BoundWidget
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from symptoms.instruments.scoring import Instrument, Item
from symptoms.models import InstrumentText
from symptoms.reports.errors import SymptomsError
from symptoms.reports.services import NOTE_MAX_LENGTH

# Special answers in our words. Stored as the codes, shown as these labels.
SPECIAL_LABELS: dict[str, Promise] = {
    "unable": _("Unable to answer"),
    "too_tired": _("Too tired to answer"),
    "na": _("Does not apply to me"),
}

CONTEXT_TAG_LABELS: dict[str, Promise] = {
    "heat": _("Heat"),
    "infection": _("An infection"),
    "poor_sleep": _("Poor sleep"),
    "menstrual_period": _("Menstrual period"),
    "stress": _("Stress"),
    "medication_change": _("A change of medication"),
    "suspected_relapse": _("A suspected relapse"),
}


# --- Wording --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    """What a question says and what its answers are called: the licensed official wording when
    the site imported it, else the definition's own short labels."""

    text: str
    options: dict[int, str]  # option value -> label


def wording_get(instrument: Instrument, official: InstrumentText | None) -> dict[str, Wording]:
    imported: Mapping[str, Any] = official.items if official is not None else {}
    wording = {}
    for item in instrument.items:
        entry = imported.get(item.id) or {}
        official_options = entry.get("options") or {}
        wording[item.id] = Wording(
            text=str(entry.get("text") or item.label),
            options={
                option.value: str(official_options.get(str(option.value)) or option.label)
                for option in item.options
            },
        )
    return wording


def answer_label(item: Item, wording: Wording, answer: object) -> str:
    """How a stored answer reads on the receipt and the review page."""
    if isinstance(answer, str):
        return str(SPECIAL_LABELS.get(answer, answer))
    if isinstance(answer, int) and answer in wording.options:
        return wording.options[answer]
    return str(answer)


def answer_value(raw: str) -> int | str:
    """A posted answer as the services take it: option values are whole numbers."""
    return int(raw) if raw.lstrip("-").isdigit() else raw


# --- One question as a group of large radio buttons -------------------------------------------


# At most this many answer boxes side by side on a phone (320 px wide).
NARROW_MAX_COLUMNS = 6


@dataclass(frozen=True)
class AnswerOption:
    widget: BoundWidget
    number: str  # on a 0-10 scale: the digits shown in the box
    anchor: str  # on a 0-10 scale: the rest of the label ("none"), for screen readers


class AnswerBoundField(BoundField):
    """Splits the options into the answer scale and the skip answers, for the template."""

    field: AnswerField

    def _options(self, *, special: bool) -> list[AnswerOption]:
        options = []
        for widget in self.subwidgets:
            value = str(widget.data["value"])
            if (value in self.field.special_values) is not special:
                continue
            label = str(widget.data["label"])
            anchor = label[len(value) :].strip(" -:\u2013") if label.startswith(value) else ""
            options.append(AnswerOption(widget, value, anchor))
        return options

    @property
    def scale_options(self) -> list[AnswerOption]:
        return self._options(special=False)

    @property
    def special_options(self) -> list[AnswerOption]:
        return self._options(special=True)

    @property
    def narrow_columns(self) -> int:
        """Boxes per row on a phone: balanced rows of at most six (0-10 as 6 + 5, 1-7 as
        4 + 3), so each box stays at least 44 px wide at 320 px and no number sits alone."""
        count = len(self.scale_options)
        rows = -(-count // NARROW_MAX_COLUMNS)
        return -(-count // rows)

    @property
    def anchors(self) -> tuple[str, str]:
        """The first and last option labels, shown under a 0-10 scale."""
        options = self.scale_options
        return str(options[0].widget.data["label"]), str(options[-1].widget.data["label"])


class AnswerField(forms.ChoiceField):
    """One question: the item's options, then its special answers, all in one radio group (so
    the arrow keys move through every answer). Optional: a question may be left out."""

    widget = forms.RadioSelect

    def __init__(self, *, item: Item, wording: Wording, **kwargs: Any) -> None:
        self.item = item
        self.special_values = list(item.special)
        choices: list[tuple[str, str]] = [
            (str(value), label) for value, label in wording.options.items()
        ]
        choices += [(code, str(SPECIAL_LABELS[code])) for code in item.special]
        # A numeric rating (0 - none ... 10 - worst) is laid out as a row of numbered boxes;
        # named options (Never, Rarely...) as a list.
        self.is_scale = all(
            label.startswith(value) for value, label in choices[: len(wording.options)]
        )
        super().__init__(choices=choices, required=False, label=wording.text, **kwargs)

    def get_bound_field(self, form: forms.BaseForm, field_name: str) -> AnswerBoundField:
        return AnswerBoundField(form, self, field_name)


class ServiceErrorsMixin(forms.Form):
    def add_service_error(self, error: SymptomsError, *, default_field: str | None = None) -> None:
        """Show a service's error on the field it names, or at the top of the form."""
        message = str(error.message)
        if error.field_errors:
            for item_id, (_code, text) in error.field_errors.items():
                self.add_error(item_id if item_id in self.fields else None, str(text))
            return
        field = error.field if error.field in self.fields else default_field
        self.add_error(field, message)


# --- The daily check-in ---------------------------------------------------------------------


class CheckInForm(ServiceErrorsMixin):
    """The five daily ratings, optional context and a private note. ``client_id`` is chosen
    when the page is shown, so sending the same page twice stores one report."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    context_tags = forms.MultipleChoiceField(
        label=_("Anything that may have affected today (optional)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "At most 500 characters. Only you and the clinicians you share with can read it; "
            "it is never shared with researchers."
        ),
    )

    def __init__(
        self, *args: Any, instrument: Instrument, wording: dict[str, Wording], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.item_ids = [item.id for item in instrument.items]
        for item in instrument.items:
            # Item ids are field names; the daily check-in's are words unlike the fixed fields.
            if item.id in self.fields:
                raise ImproperlyConfigured(f"Item id {item.id!r} clashes with a form field.")
            self.fields[item.id] = AnswerField(item=item, wording=wording[item.id])
        cast(forms.MultipleChoiceField, self.fields["context_tags"]).choices = [
            (tag, str(CONTEXT_TAG_LABELS.get(tag, tag))) for tag in instrument.context_tags
        ]
        self.order_fields([*self.item_ids, "context_tags", "note", "client_id"])

    @property
    def item_fields(self) -> list[BoundField]:
        return [self[item_id] for item_id in self.item_ids]

    def clean_note(self) -> str:
        # Browsers count a line break as one character against maxlength but send two.
        return str(self.cleaned_data["note"]).replace("\r\n", "\n")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not self.answers():
            first = self.item_ids[0]
            self.add_error(
                first,
                _("Answer at least one question, for example “%(question)s”.")
                % {"question": self.fields[first].label},
            )
        return cleaned

    def answers(self) -> dict[str, int | str]:
        return {
            item_id: answer_value(self.cleaned_data[item_id])
            for item_id in self.item_ids
            if self.cleaned_data.get(item_id)
        }

    @staticmethod
    def initial_from(answers: Mapping[str, object]) -> dict[str, str]:
        return {item_id: str(value) for item_id, value in answers.items()}


# --- Questionnaires: one question per page ---------------------------------------------------


class QuestionAction:
    NEXT = "next"
    BACK = "back"
    SKIP = "skip"
    LATER = "later"
    ALL = (NEXT, BACK, SKIP, LATER)


class QuestionForm(ServiceErrorsMixin):
    def __init__(self, *args: Any, item: Item, wording: Wording, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["answer"] = AnswerField(item=item, wording=wording)

    def answer(self) -> int | str | None:
        raw = self.cleaned_data.get("answer")
        return answer_value(raw) if raw else None


class ReviewForm(forms.Form):
    # The draft's client_id, so a second click after the first stored the report (and deleted
    # the draft) still finds that report.
    client_id = forms.UUIDField(widget=forms.HiddenInput)
