"""Web pages for self-reports: the daily check-in on one page, questionnaires one question per
page with a review, and the receipt. Patients only; another person's report is a 404."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import request_patient, role_required
from accounts.models import Role
from accounts.selectors import local_today
from symptoms.instruments import selectors as instrument_selectors
from symptoms.instruments.definitions import DAILY, instrument_get
from symptoms.instruments.scoring import Direction, Instrument, NoScore, Scale, scale_score, score
from symptoms.reminders.one_tap import (
    form_patient,
    one_tap_end,
    one_tap_or_patient,
    request_one_tap,
)
from symptoms.reports import errors, forms, selectors, services

SECONDS_PER_QUESTION = 15  # for "about N minutes": a generous pace for tired hands and eyes

# The form pages also open under a reminder's one-tap grant for that form (docs/security.md).
daily_or_one_tap = one_tap_or_patient(lambda **_kwargs: DAILY)
questionnaire_or_one_tap = one_tap_or_patient(lambda code, **_kwargs: str(code))


def language_code() -> str:
    return (get_language() or "en").split("-")[0]


def wording_for(instrument: Instrument) -> tuple[dict[str, forms.Wording], str]:
    """The questions' wording in the person's language, and the source line to print with it."""
    language = language_code()
    official = instrument_selectors.instrument_text_get(instrument, language)
    if official is not None and official.language != language:
        # Licensed wording in another language would put English questions on an Italian
        # page: the project's own short labels, in the page's language, are used instead, and
        # the page says so (templates/symptoms/_licence.html).
        official = None
    source = official.source if official is not None and official.source else ""
    return forms.wording_get(instrument, official), source


def daily_instrument() -> Instrument:
    instrument = instrument_get(DAILY)
    if instrument is None:
        raise ImproperlyConfigured("The daily check-in's definition is missing.")
    return instrument


@role_required(Role.PATIENT)
def home(request: HttpRequest) -> HttpResponse:
    """The patient's home page ("/", through ``ROLE_HOME_VIEWS``): today's check-in and the
    questionnaires that are due or started first, the others one click away."""
    patient = request_patient(request)
    today = local_today(patient=patient)
    questionnaires = selectors.questionnaires_due(patient=patient, today=today)
    context = {
        "today": today,
        "daily": selectors.daily_get(patient=patient, on=today),
        "questionnaires": [q for q in questionnaires if q.is_due or q.draft],
        "other_questionnaires": [q for q in questionnaires if not (q.is_due or q.draft)],
    }
    return render(request, "accounts/home_patient.html", context)


def _sent_under_one_tap(request: HttpRequest) -> HttpResponse:
    """The form was sent through a reminder's one-tap link: the grant ends, and the thanks page
    shows nothing (the receipt needs a login)."""
    one_tap_end(request)
    return redirect("symptoms:one_tap_done")


@daily_or_one_tap
def checkin(request: HttpRequest) -> HttpResponse:
    """One page, five ratings. When today's check-in exists the page shows it and sending it
    stores a correction that supersedes it (the earlier answers stay, as reports do). Under a
    one-tap grant an existing check-in is neither shown nor changed: that needs a login."""
    patient = form_patient(request)
    instrument = daily_instrument()
    wording, _source = wording_for(instrument)
    today = local_today(patient=patient)
    existing = selectors.daily_get(patient=patient, on=today)
    if existing is not None and request_one_tap(request) is not None:
        return _sent_under_one_tap(request)
    if request.method == "POST":
        form = forms.CheckInForm(request.POST, instrument=instrument, wording=wording)
        if form.is_valid():
            try:
                # A double click sends the same client_id: the service returns the report the
                # first click made (which by then is "existing"), so nothing is stored twice.
                submitted = services.report_submit(
                    patient=patient,
                    instrument=instrument.code,
                    answers=form.answers(),
                    client_id=form.cleaned_data["client_id"],
                    context_tags=form.cleaned_data["context_tags"],
                    note=form.cleaned_data["note"],
                    supersedes=existing.public_id if existing else None,
                )
            except errors.ClientIdConflict:
                # This page was sent before with other answers (Back, change, send again).
                # Those are saved; a fresh client_id makes the next send a correction of them.
                data = request.POST.copy()
                data["client_id"] = str(uuid.uuid4())
                form = forms.CheckInForm(data, instrument=instrument, wording=wording)
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "This page was already saved once, with other answers. Check the "
                        "answers below, then save again to change what was saved."
                    ),
                )
                existing = selectors.daily_get(patient=patient, on=today)
            except errors.SymptomsError as error:
                form.add_service_error(error, default_field=form.item_ids[0])
            else:
                if request_one_tap(request) is not None:
                    return _sent_under_one_tap(request)
                return redirect("symptoms:report", public_id=submitted.report.public_id)
    else:
        initial: dict[str, Any] = {"client_id": uuid.uuid4()}
        if existing is not None:
            initial.update(forms.CheckInForm.initial_from(existing.answers))
            initial.update(context_tags=existing.context_tags, note=existing.note)
        form = forms.CheckInForm(initial=initial, instrument=instrument, wording=wording)
    context = {"form": form, "existing": existing, "today": today, "instrument": instrument}
    return render(request, "symptoms/checkin.html", context)


def checkin_offline(request: HttpRequest) -> HttpResponse:
    """A blank check-in that the service worker keeps and shows when /check-in/ cannot be
    reached (docs/offline.md). It must not depend on who is signed in: no date, no earlier
    answers, no form token, no menu; the page script adds the client_id and keeps the answers
    on the device until they can be sent."""
    instrument = daily_instrument()
    wording, _source = wording_for(instrument)
    form = forms.CheckInForm(instrument=instrument, wording=wording)
    return render(
        request, "symptoms/checkin_offline.html", {"form": form, "instrument": instrument}
    )


# --- Questionnaires --------------------------------------------------------------------------


def _questionnaire(code: str) -> Instrument:
    instrument = instrument_get(code)
    if instrument is None or instrument.code == DAILY:
        raise Http404
    if not instrument_selectors.instrument_is_available(instrument):
        raise Http404
    return instrument


def _minutes(instrument: Instrument) -> int:
    return max(1, math.ceil(len(instrument.items) * SECONDS_PER_QUESTION / 60))


def _question_url(code: str, number: int, *, from_review: bool = False) -> str:
    url = reverse("symptoms:question", kwargs={"code": code, "number": number})
    return f"{url}?review=1" if from_review else url


def _resume_url(instrument: Instrument, position: int) -> str:
    """Where a draft carries on: the question after the last one saved, or the review."""
    if position >= len(instrument.items):
        return reverse("symptoms:review", kwargs={"code": instrument.code})
    return _question_url(instrument.code, position + 1)


@questionnaire_or_one_tap
def questionnaire(request: HttpRequest, code: str) -> HttpResponse:
    patient = form_patient(request)
    instrument = _questionnaire(code)
    draft = selectors.draft_get(patient=patient, instrument=instrument.code)
    source = wording_for(instrument)[1]
    context = {
        "instrument": instrument,
        "draft": draft,
        "answered": len(draft.answers) if draft else 0,
        "count": len(instrument.items),
        "minutes": _minutes(instrument),
        "source": source,
        "start_url": _question_url(instrument.code, 1),
        "resume_url": _resume_url(instrument, draft.position) if draft else "",
    }
    return render(request, "symptoms/questionnaire.html", context)


@require_POST
@questionnaire_or_one_tap
def questionnaire_restart(request: HttpRequest, code: str) -> HttpResponse:
    instrument = _questionnaire(code)
    services.draft_discard(patient=form_patient(request), instrument=instrument.code)
    messages.success(request, _("Your earlier answers to this questionnaire are cleared."))
    return redirect(_question_url(instrument.code, 1))


@questionnaire_or_one_tap
def question(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """One question. Every button saves the draft first, so closing the browser loses nothing:
    Next and Skip move on, Back goes one question back, "Save and finish later" goes home (or,
    under a one-tap grant, to a page that says the answers are kept)."""
    patient = form_patient(request)
    instrument = _questionnaire(code)
    count = len(instrument.items)
    if not 1 <= number <= count:
        raise Http404
    item = instrument.items[number - 1]
    wording, source = wording_for(instrument)
    draft = selectors.draft_get(patient=patient, instrument=instrument.code)
    answers: dict[str, Any] = dict(draft.answers) if draft else {}
    from_review = request.GET.get("review") == "1"

    if request.method == "POST":
        action = request.POST.get("action")
        if action not in forms.QuestionAction.ALL:
            return HttpResponseBadRequest(_("Choose Next, Back, Skip or Save and finish later."))
        form = forms.QuestionForm(request.POST, item=item, wording=wording[item.id])
        if action == forms.QuestionAction.SKIP or form.is_valid():
            answer = None if action == forms.QuestionAction.SKIP else form.answer()
            if answer is None:
                if action == forms.QuestionAction.SKIP:
                    answers.pop(item.id, None)
            else:
                answers[item.id] = answer
            # The draft's position is the index of the question to carry on from.
            position = {
                forms.QuestionAction.NEXT: number,
                forms.QuestionAction.SKIP: number,
                forms.QuestionAction.BACK: number - 2,
                forms.QuestionAction.LATER: number - 1,
            }[action]
            try:
                services.draft_save(
                    patient=patient,
                    instrument=instrument.code,
                    answers=answers,
                    position=max(position, 0),
                )
            except errors.SymptomsError as error:
                form.add_service_error(error, default_field="answer")
            else:
                if action == forms.QuestionAction.LATER and request_one_tap(request) is not None:
                    return redirect(reverse("symptoms:one_tap_done") + f"?later={instrument.code}")
                if action == forms.QuestionAction.LATER:
                    messages.success(
                        request,
                        _("Your answers so far are saved. Carry on whenever you like."),
                    )
                return redirect(_after_question(instrument, number, action, from_review))
    else:
        saved = answers.get(item.id)
        form = forms.QuestionForm(
            initial={"answer": "" if saved is None else str(saved)},
            item=item,
            wording=wording[item.id],
        )
    context = {
        "instrument": instrument,
        "form": form,
        "field": form["answer"],
        "number": number,
        "count": count,
        "from_review": from_review,
        "source": source,
    }
    return render(request, "symptoms/question.html", context)


def _after_question(instrument: Instrument, number: int, action: str, from_review: bool) -> str:
    code = instrument.code
    if action == forms.QuestionAction.LATER:
        return reverse("accounts:home")
    if action == forms.QuestionAction.BACK:
        if number == 1:
            return reverse("symptoms:questionnaire", kwargs={"code": code})
        return _question_url(code, number - 1, from_review=from_review)
    if from_review or number == len(instrument.items):
        return reverse("symptoms:review", kwargs={"code": code})
    return _question_url(code, number + 1)


@dataclass(frozen=True)
class ReviewRow:
    number: int
    text: str
    answer: str | None  # None: not answered
    change_url: str


@dataclass(frozen=True)
class ScoreRow:
    scale: Scale
    value: float | None
    reason: str  # why there is no score, in plain words

    @property
    def direction_text(self) -> str:
        if self.scale.direction is Direction.HIGHER_IS_WORSE:
            return _("higher is worse")
        return _("higher is better")


def _no_score_reason(instrument: Instrument, scale: Scale, answers: dict[str, Any]) -> str:
    result = scale_score(instrument, scale, answers)
    if result.reason is NoScore.OUTSIDE_TABLE:
        return _("These answers fall outside the published scoring table.")
    if len(scale.items) == 1:
        answer = answers.get(scale.items[0])
        if isinstance(answer, str):
            label = forms.SPECIAL_LABELS.get(answer, answer)
            return _("The answer was “%(answer)s”.") % {"answer": label}
        return _("This question was not answered.")
    return _(
        "%(answered)s of %(expected)s questions were answered; this score needs at least "
        "%(needed)s."
    ) % {"answered": result.answered, "expected": result.expected, "needed": scale.min_answered}


def _score_rows(instrument: Instrument, answers: dict[str, Any]) -> list[ScoreRow]:
    scored = score(instrument, answers)
    rows = []
    for scale, result in zip(instrument.scales, scored.results, strict=True):
        reason = "" if result.value is not None else _no_score_reason(instrument, scale, answers)
        rows.append(ScoreRow(scale, result.value, reason))
    return rows


@questionnaire_or_one_tap
def review(request: HttpRequest, code: str) -> HttpResponse:
    """Every question with its answer and a link to change it, then Submit. Submitting uses
    the draft's client_id, so a second click finds the report the first one stored."""
    patient = form_patient(request)
    instrument = _questionnaire(code)
    draft = selectors.draft_get(patient=patient, instrument=instrument.code)
    form = forms.ReviewForm(
        request.POST if request.method == "POST" else None,
        initial={"client_id": draft.client_id if draft else None},
    )
    if request.method == "POST":
        if draft is None:
            # Already sent (the draft goes with the report it became), or never started.
            report = None
            if form.is_valid():
                report = (
                    selectors.report_list(
                        patient=patient, instrument=instrument.code, include_superseded=True
                    )
                    .filter(client_id=form.cleaned_data["client_id"])
                    .first()
                )
            if report is not None:
                if request_one_tap(request) is not None:
                    return _sent_under_one_tap(request)
                return redirect("symptoms:report", public_id=report.public_id)
            return redirect("symptoms:questionnaire", code=instrument.code)
        try:
            submitted = services.report_submit(
                patient=patient,
                instrument=instrument.code,
                answers=draft.answers,
                client_id=draft.client_id,
            )
        except errors.SymptomsError as error:
            form.add_error(None, str(error.message))
        else:
            if request_one_tap(request) is not None:
                return _sent_under_one_tap(request)
            return redirect("symptoms:report", public_id=submitted.report.public_id)

    wording, source = wording_for(instrument)
    answers: dict[str, Any] = dict(draft.answers) if draft else {}
    rows = [
        ReviewRow(
            number=number,
            text=wording[item.id].text,
            answer=(
                forms.answer_label(item, wording[item.id], answers[item.id])
                if item.id in answers
                else None
            ),
            change_url=_question_url(instrument.code, number, from_review=True),
        )
        for number, item in enumerate(instrument.items, start=1)
    ]
    unscored = [row for row in _score_rows(instrument, answers) if row.value is None]
    context = {
        "instrument": instrument,
        "form": form,
        "rows": rows,
        "answers": answers,  # for the page's script, to send them later if offline
        "answered": len(answers),
        "count": len(instrument.items),
        "unscored": unscored if answers else [],
        "source": source,
    }
    return render(request, "symptoms/review.html", context)


# --- Receipt ---------------------------------------------------------------------------------


@role_required(Role.PATIENT)
def report(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    patient = request_patient(request)
    saved = selectors.report_get(patient=patient, public_id=public_id)
    instrument = instrument_get(saved.instrument, saved.instrument_version)
    if instrument is None:
        raise Http404  # a definition no longer shipped: nothing sensible to show
    wording, source = wording_for(instrument)
    answers = [
        (
            wording[item.id].text,
            forms.answer_label(item, wording[item.id], saved.answers[item.id])
            if item.id in saved.answers
            else None,
        )
        for item in instrument.items
    ]
    today = local_today(patient=patient)
    corrected_by = getattr(saved, "superseded_by", None)
    context = {
        "report": saved,
        "instrument": instrument,
        "answers": answers,
        "scores": _score_rows(instrument, saved.answers),
        "context_tags": [str(forms.CONTEXT_TAG_LABELS.get(t, t)) for t in saved.context_tags],
        "corrected_by": corrected_by,
        "can_change": (
            saved.instrument == DAILY and corrected_by is None and saved.local_date == today
        ),
        "source": source,
    }
    return render(request, "symptoms/report.html", context)
