"""Query-string filters of the read API's lists, one serializer per resource.

Each serializer validates the parameters (a bad value → 400 with a French message saying how to
write it) and narrows the already scoped queryset; drf-spectacular turns the same serializer into
the documented query parameters. Filtering never widens the scope: a cohort outside the caller's
scope simply gives an empty list.
"""

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import ISO_8601

from alerts.choices import OPEN_ALERT_STATUSES, AlertStatus, Severity
from alerts.models import AlertEvent
from alternance.choices import ApprenticeStatus, AttendanceStatus, JustificationStatus
from companies.choices import Opco
from contracts.choices import ContractKind, ContractStatus

# The absences endpoint lists what is not a presence: absences and lateness.
ABSENCE_STATUS_CHOICES = [(AttendanceStatus.ABSENT.value, AttendanceStatus.ABSENT.label),
                          (AttendanceStatus.LATE.value, AttendanceStatus.LATE.label)]
ABSENCE_STATUSES = [value for value, _label in ABSENCE_STATUS_CHOICES]


def updated_since_field(meaning) -> serializers.DateTimeField:
    return serializers.DateTimeField(
        required=False,
        input_formats=[ISO_8601, "%Y-%m-%d"],
        help_text=format_lazy(
            "{} ({}). {}",
            _("Ne renvoie que ce qui a changé depuis cet instant"),
            meaning,
            _("Date ou date-heure ISO 8601 : 2026-09-01, 2026-09-01T08:00:00 (heure de Paris) ou "
              "2026-09-01T08:00:00%2B02:00 (le « + » s'écrit %2B dans une URL)."),
        ),
        error_messages={"invalid": _(
            "Date invalide : écrivez une date ou une date-heure ISO 8601, par exemple 2026-09-01 ou "
            "2026-09-01T08:00:00%2B02:00 (le « + » du décalage s'écrit %2B dans une URL)."
        )},
    )


def id_field(help_text) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, min_value=1, help_text=help_text,
        error_messages={"invalid": _("Identifiant invalide : donnez un nombre entier, par exemple 12.")},
    )


def choice_field(choices, help_text) -> serializers.ChoiceField:
    return serializers.ChoiceField(required=False, choices=choices, help_text=help_text)


def boolean_field(help_text) -> serializers.BooleanField:
    return serializers.BooleanField(
        required=False, help_text=help_text,
        error_messages={"invalid": _("Valeur invalide : écrivez true ou false.")},
    )


class ResourceFilter(serializers.Serializer):
    """Validated query parameters; ``apply`` narrows a queryset with them."""

    def apply(self, qs: QuerySet) -> QuerySet:
        data = self.validated_data
        for name, value in data.items():
            qs = self.filter_one(qs, name, value)
        return qs

    def filter_one(self, qs: QuerySet, name: str, value) -> QuerySet:
        lookup = self.lookups[name]
        return lookup(qs, value) if callable(lookup) else qs.filter(**{lookup: value})

    lookups: dict = {}


class ApprenticeFilter(ResourceFilter):
    status = choice_field(ApprenticeStatus.choices, _("Statut de l'apprenti·e."))
    cohort = id_field(_("Identifiant de la promotion."))
    programme = id_field(_("Identifiant de la formation."))
    updated_since = updated_since_field(_("fiche modifiée"))

    lookups = {"status": "status", "cohort": "cohort_id", "programme": "cohort__programme_id", "updated_since": "updated_at__gte"}


class CompanyFilter(ResourceFilter):
    opco = choice_field(Opco.choices, _("OPCO de l'entreprise."))
    sensitive = boolean_field(_("true : seulement les entreprises signalées sensibles ; false : les autres."))
    owner_cre = id_field(_("Identifiant du compte CRE référent."))
    siret = serializers.RegexField(
        r"^[0-9]{14}$", required=False, help_text=_("SIRET exact (14 chiffres, sans espaces)."),
        error_messages={"invalid": _("SIRET invalide : donnez les 14 chiffres, sans espaces.")},
    )
    updated_since = updated_since_field(_("fiche entreprise modifiée"))

    lookups = {"opco": "opco", "sensitive": "sensitive", "owner_cre": "owner_cre_id", "siret": "siret", "updated_since": "updated_at__gte"}


class ContractFilter(ResourceFilter):
    status = choice_field(ContractStatus.choices, _("État du contrat."))
    kind = choice_field(ContractKind.choices, _("Nature du contrat."))
    cohort = id_field(_("Identifiant de la promotion de l'apprenti·e."))
    apprentice = id_field(_("Identifiant de l'apprenti·e."))
    company = id_field(_("Identifiant de l'entreprise."))
    updated_since = updated_since_field(_("contrat modifié"))

    lookups = {
        "status": "status", "kind": "kind", "cohort": "apprentice__cohort_id", "apprentice": "apprentice_id",
        "company": "company_id", "updated_since": "updated_at__gte",
    }


def _absences_changed_since(qs: QuerySet, since: datetime) -> QuerySet:
    return qs.filter(
        Q(recorded_at__gte=since) | Q(justification_submitted_at__gte=since) | Q(justification_reviewed_at__gte=since)
    )


class AbsenceFilter(ResourceFilter):
    status = choice_field(ABSENCE_STATUS_CHOICES, _("absent : absence ; late : retard."))
    justification = choice_field(JustificationStatus.choices, _("État de la justification."))
    cohort = id_field(_("Identifiant de la promotion de l'apprenti·e."))
    apprentice = id_field(_("Identifiant de l'apprenti·e."))
    day_from = serializers.DateField(required=False, help_text=_("Premier jour inclus (AAAA-MM-JJ)."))
    day_to = serializers.DateField(required=False, help_text=_("Dernier jour inclus (AAAA-MM-JJ)."))
    updated_since = updated_since_field(_("saisie, justificatif déposé ou examiné"))

    lookups = {
        "status": "status", "justification": "justification", "cohort": "apprentice__cohort_id",
        "apprentice": "apprentice_id", "day_from": "day__gte", "day_to": "day__lte",
        "updated_since": _absences_changed_since,
    }

    def validate(self, attrs):
        if attrs.get("day_from") and attrs.get("day_to") and attrs["day_from"] > attrs["day_to"]:
            raise serializers.ValidationError({"day_to": _("day_to doit être postérieur ou égal à day_from : inversez les deux dates.")})
        return attrs


def _alerts_changed_since(qs: QuerySet, since: datetime) -> QuerySet:
    # Raised, validated or closed since, or any event (assignment, comment, status change) since.
    events = AlertEvent.objects.filter(alert=OuterRef("pk"), created_at__gte=since)
    return qs.filter(Q(raised_at__gte=since) | Q(validated_at__gte=since) | Q(resolved_at__gte=since) | Exists(events))


def _alerts_open(qs: QuerySet, value: bool) -> QuerySet:
    return qs.filter(status__in=OPEN_ALERT_STATUSES) if value else qs.exclude(status__in=OPEN_ALERT_STATUSES)


class AlertFilter(ResourceFilter):
    status = choice_field(AlertStatus.choices, _("État de l'alerte."))
    open = boolean_field(_("true : alertes ouvertes (nouvelle, validée, attribuée) ; false : closes."))
    severity = choice_field(Severity.choices, _("Gravité."))
    rule_code = serializers.CharField(required=False, max_length=60, help_text=_("Code de la règle, par exemple absences."))
    cohort = id_field(_("Identifiant de la promotion de l'apprenti·e concerné·e."))
    apprentice = id_field(_("Identifiant de l'apprenti·e concerné·e."))
    company = id_field(_("Identifiant de l'entreprise concernée."))
    updated_since = updated_since_field(_("levée, validée, close, attribuée ou commentée"))

    lookups = {
        "status": "status", "open": _alerts_open, "severity": "severity", "rule_code": "rule_code",
        "cohort": "apprentice__cohort_id", "apprentice": "apprentice_id", "company": "company_id",
        "updated_since": _alerts_changed_since,
    }
