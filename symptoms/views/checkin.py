"""The daily check-in: five 0-10 ratings on one page."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.views import role_required
from symptoms import errors, forms, selectors, services
from symptoms.views.common import daily_instrument, request_patient, wording_for


@role_required(Role.PATIENT)
def checkin(request: HttpRequest) -> HttpResponse:
    """One page, five ratings. When today's check-in exists the page shows it and sending it
    stores a correction that supersedes it (the earlier answers stay, as reports do)."""
    patient = request_patient(request)
    instrument = daily_instrument()
    wording, _source = wording_for(instrument)
    today = selectors.local_today(patient=patient)
    existing = selectors.daily_get(patient=patient, on=today)
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
                return redirect("symptoms:report", public_id=submitted.report.public_id)
    else:
        initial: dict[str, Any] = {"client_id": uuid.uuid4()}
        if existing is not None:
            initial.update(forms.CheckInForm.initial_from(existing.answers))
            initial.update(context_tags=existing.context_tags, note=existing.note)
        form = forms.CheckInForm(initial=initial, instrument=instrument, wording=wording)
    context = {"form": form, "existing": existing, "today": today, "instrument": instrument}
    return render(request, "symptoms/checkin.html", context)


# --- Questionnaires --------------------------------------------------------------------------
