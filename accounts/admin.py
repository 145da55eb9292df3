"""Staff admin. Accounts are created through the manager so none is left half-made; researcher
approval goes through the service so it is audited; audit events are read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import (
    AuditEvent,
    Consent,
    PatientProfile,
    ResearcherProfile,
    SharingLink,
    User,
)


class UserCreationForm(forms.ModelForm[User]):
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput, strip=False, min_length=12
    )

    class Meta:
        model = User
        fields = ("email", "full_name", "role")


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    ordering = ("email",)
    list_display = ("email", "full_name", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("email", "full_name")
    readonly_fields = ("public_id", "date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("public_id", "email", "password")}),
        (_("Person"), {"fields": ("full_name", "role")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_form = UserCreationForm
    add_fieldsets = ((None, {"fields": ("email", "full_name", "role", "password")}),)

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        # A role is chosen once, at creation: a patient turned clinician would keep a profile,
        # reports and sharing links that make no sense for the new role.
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "role") if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # New accounts go through the manager so they get the profile their role needs.
        created = User.objects.create_user(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            role=form.cleaned_data["role"],
            full_name=form.cleaned_data["full_name"],
        )
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db


@admin.register(PatientProfile)
class PatientProfileAdmin(admin.ModelAdmin[PatientProfile]):
    list_display = ("user", "ms_type", "country", "time_zone", "language")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    readonly_fields = ("user",)
    fields = ("user", *sorted(services.PROFILE_FIELDS))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a profile comes with its patient's account

    def save_model(
        self, request: HttpRequest, obj: PatientProfile, form: Any, change: bool
    ) -> None:
        """The same service, checks and audit event as the person's own edit, with the staff
        member as the actor."""
        staff = request.user
        if not isinstance(staff, User):  # the admin only serves logged-in staff
            raise PermissionDenied
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if data:
            services.profile_update(user=obj.user, actor=staff, data=data)


@admin.register(ResearcherProfile)
class ResearcherProfileAdmin(admin.ModelAdmin[ResearcherProfile]):
    list_display = ("user", "institution", "status", "decided_at", "decided_by")
    list_filter = ("status",)
    list_select_related = ("user", "decided_by")
    search_fields = ("user__email", "institution")
    readonly_fields = ("status", "decided_at", "decided_by")
    actions = ("approve", "reject")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[ResearcherProfile], ok: bool
    ) -> None:
        staff = request.user
        if not isinstance(staff, User):  # the admin only serves logged-in staff
            raise PermissionDenied
        for profile in queryset.select_related("user"):
            services.researcher_decide(researcher=profile.user, staff=staff, approve=ok)
        messages.success(request, _("%(count)d researcher(s) updated.") % {"count": len(queryset)})

    @admin.action(description=_("Approve selected researchers"))
    def approve(self, request: HttpRequest, queryset: QuerySet[ResearcherProfile]) -> None:
        self._decide(request, queryset, ok=True)

    @admin.action(description=_("Reject selected researchers"))
    def reject(self, request: HttpRequest, queryset: QuerySet[ResearcherProfile]) -> None:
        self._decide(request, queryset, ok=False)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "user", "purpose", "text_version", "granted_at", "withdrawn_at")
    list_filter = ("purpose", "text_version")
    list_select_related = ("user",)


@admin.register(SharingLink)
class SharingLinkAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "patient", "clinician", "source", "created_at", "revoked_at")
    list_select_related = ("patient", "clinician")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor", "subject_patient")
    list_filter = ("action",)
    list_select_related = ("actor", "subject_patient")
    search_fields = ("actor__email", "subject_patient__email")
    date_hierarchy = "created_at"
