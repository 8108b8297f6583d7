"""Django admin: kept for superusers only (staff work in the app's own pages)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from alternance.models import (
    ApiToken,
    Apprentice,
    AttendanceRecord,
    AttendanceSettings,
    CalendarFeedToken,
    CalendarOverride,
    ClosurePeriod,
    Cohort,
    DataImport,
    EvidencePack,
    Invitation,
    KeyDate,
    Programme,
    TdbExport,
    User,
    Visit,
    VisitCriterion,
)


def superuser_only(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = superuser_only
admin.site.site_header = _("Alternance — administration technique")
admin.site.site_title = _("Administration")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "is_superuser"]
    list_filter = ["role", "is_active", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "phone", "role")}),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "role", "password1", "password2")}),)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["title", "rncp_code", "cfd_code", "level", "duration_months", "training_hours", "admissions_open"]
    search_fields = ["title", "rncp_code", "cfd_code"]
    # ``admissions_open`` opens the programme's public application page (issue 13 §1).
    list_filter = ["level", "admissions_open"]
    list_editable = ["admissions_open"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "start_date", "end_date", "referent_tutor", "rhythm_label"]
    list_filter = ["programme"]
    search_fields = ["name"]
    list_select_related = ["programme", "referent_tutor"]


@admin.register(Apprentice)
class ApprenticeAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "cohort", "status", "status_since", "has_nir"]
    list_filter = ["status", "cohort"]
    search_fields = ["last_name", "first_name", "email", "ine"]
    list_select_related = ["cohort"]
    raw_id_fields = ["user"]
    readonly_fields = ["has_nir"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["apprentice", "kind", "tutor", "planned_date", "done_date", "at_risk"]
    list_filter = ["kind", "at_risk"]
    list_select_related = ["apprentice", "tutor"]
    raw_id_fields = ["apprentice", "contract"]


@admin.register(VisitCriterion)
class VisitCriterionAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "scale_max", "order", "active", "for_employer"]
    list_editable = ["order", "active"]
    list_filter = ["active", "for_employer"]
    search_fields = ["code", "label"]


@admin.register(AttendanceRecord)
class AttendanceRecordAdmin(admin.ModelAdmin):
    list_display = ["apprentice", "day", "half", "status", "justification"]
    list_filter = ["status", "justification"]
    date_hierarchy = "day"
    list_select_related = ["apprentice"]
    raw_id_fields = ["apprentice", "proof", "recorded_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only trace of the extranet invitations (they are sent from the apprentice and company pages)."""

    list_display = ["user", "invited_by", "created_at", "expires_at", "used_at", "revoked_at"]
    list_filter = ["used_at", "revoked_at"]
    search_fields = ["user__email", "invited_by__email"]
    readonly_fields = ["user", "invited_by", "token_hash", "created_at", "expires_at", "used_at", "revoked_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# --- calendars and absences (issue 6) ---------------------------------------------------------

@admin.register(ClosurePeriod)
class ClosurePeriodAdmin(admin.ModelAdmin):
    list_display = ["label", "start_date", "end_date", "cohort"]
    list_filter = ["cohort"]


@admin.register(KeyDate)
class KeyDateAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "day", "cohort", "apprentice"]
    list_filter = ["kind", "cohort"]
    raw_id_fields = ["apprentice"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["apprentice", "day", "place", "reason"]
    raw_id_fields = ["apprentice", "created_by"]


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "last_used_at", "revoked_at"]
    raw_id_fields = ["user"]


admin.site.register(AttendanceSettings)


# --- data in and out (issue 7) ----------------------------------------------------------------

@admin.register(DataImport)
class DataImportAdmin(admin.ModelAdmin):
    list_display = ["original_name", "kind", "status", "rows_total", "rows_created", "rows_updated", "rows_in_error", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(TdbExport)
class TdbExportAdmin(admin.ModelAdmin):
    list_display = ["school_year", "format", "status", "rows_exported", "rows_rejected", "created_at"]


@admin.register(EvidencePack)
class EvidencePackAdmin(admin.ModelAdmin):
    list_display = ["period_start", "period_end", "status", "created_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["label", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    raw_id_fields = ["user"]
