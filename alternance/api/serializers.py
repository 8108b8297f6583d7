"""Serializers of the read API: every field listed explicitly (a new model field never leaks by itself).

Left out on purpose: the NIR (even encrypted, even "has a NIR"), the disability declaration (RQTH),
the legal representative of a minor, free-text notes (reason of a company's sensitivity, cause of a
rupture, absence reasons and review comments) and any secret (key hashes, file paths, signatures).
Dates are ISO 8601 (``2026-09-01``), date-times ISO 8601 with the offset of Europe/Paris, amounts
and hours decimal strings (``"35.00"``) so that no rounding happens on the way.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from alerts.models import Alert
from alternance.api.filters import ABSENCE_STATUS_CHOICES
from alternance.models import Apprentice, AttendanceRecord, Cohort, Programme, User
from companies.models import Company, CompanyContact
from contracts.models import Contract, OpcoFile

# --- short references to related rows ------------------------------------------------------------


class CohortRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cohort
        fields = ("id", "name")
        read_only_fields = fields


class ProgrammeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = ("id", "title", "rncp_code")
        read_only_fields = fields


class StaffRefSerializer(serializers.ModelSerializer):
    """A staff account (owner CRE, assignee of an alert)."""

    class Meta:
        model = User
        fields = ("id", "first_name", "last_name", "email")
        read_only_fields = fields


class ApprenticeRefSerializer(serializers.ModelSerializer):
    cohort = serializers.PrimaryKeyRelatedField(read_only=True, help_text=_("Identifiant de la promotion."))

    class Meta:
        model = Apprentice
        fields = ("id", "first_name", "last_name", "usage_name", "cohort")
        read_only_fields = fields


class CompanyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ("id", "name", "siret")
        read_only_fields = fields


class ContactRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompanyContact
        fields = ("id", "first_name", "last_name")
        read_only_fields = fields


class OpcoFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpcoFile
        fields = ("opco", "sent_date", "complete_file_date", "decision", "decision_date", "deposit_number")
        read_only_fields = fields


# --- the five resources ----------------------------------------------------------------------------


class ApprenticeSerializer(serializers.ModelSerializer):
    cohort = CohortRefSerializer(read_only=True)
    programme = ProgrammeRefSerializer(source="cohort.programme", read_only=True)

    class Meta:
        model = Apprentice
        fields = (
            "id", "last_name", "usage_name", "first_name", "sex", "birth_date", "email", "phone",
            "address", "postal_code", "city", "ine", "cohort", "programme", "enrolment_date",
            "training_start_date", "exclusion_date", "status", "status_since", "created_at", "updated_at",
        )
        read_only_fields = fields


class CompanySerializer(serializers.ModelSerializer):
    owner_cre = StaffRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Company
        fields = (
            "id", "siret", "name", "is_public", "employer_type", "specific_employer", "naf_code", "idcc", "opco",
            "headcount", "address", "postal_code", "city", "phone", "email", "owner_cre", "sensitive",
            "created_at", "updated_at",
        )
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer):
    apprentice = ApprenticeRefSerializer(read_only=True)
    company = CompanyRefSerializer(read_only=True)
    programme = ProgrammeRefSerializer(read_only=True)
    master = ContactRefSerializer(read_only=True, allow_null=True)
    second_master = ContactRefSerializer(read_only=True, allow_null=True)
    amends = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("Identifiant du contrat que cet avenant modifie.")
    )
    # A contract without an OPCO file yet answers null (no query: it comes with select_related).
    opco_file = OpcoFileSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Contract
        fields = (
            "id", "kind", "status", "contract_type", "derogation_type", "amends", "apprentice", "company",
            "programme", "master", "second_master", "signature_date", "start_date", "practical_training_start_date",
            "amendment_effective_date", "end_date", "training_start_date", "exams_end_date", "training_hours",
            "weekly_hours", "gross_monthly_salary", "rupture_date", "rupture_kind", "rupture_initiative",
            "opco_file", "created_at", "updated_at",
        )
        read_only_fields = fields


class AbsenceSerializer(serializers.ModelSerializer):
    apprentice = ApprenticeRefSerializer(read_only=True)
    # Presences are not listed: only the two values an absence record can have here.
    status = serializers.ChoiceField(choices=ABSENCE_STATUS_CHOICES, read_only=True, help_text=_("Absence ou retard."))

    class Meta:
        model = AttendanceRecord
        fields = (
            "id", "apprentice", "day", "half", "status", "minutes_late", "justification", "recorded_at",
            "justification_submitted_at", "justification_reviewed_at", "employer_notified_at",
        )
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    apprentice = ApprenticeRefSerializer(read_only=True, allow_null=True)
    company = CompanyRefSerializer(read_only=True, allow_null=True)
    contract = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, help_text=_("Identifiant du contrat concerné."))
    assignee = StaffRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Alert
        fields = (
            "id", "rule_code", "severity", "status", "title", "subject_label", "facts", "recommended_action",
            "concerned_role", "apprentice", "company", "contract", "assignee", "raised_at", "validated_at",
            "resolved_at", "auto_resolved",
        )
        read_only_fields = fields
