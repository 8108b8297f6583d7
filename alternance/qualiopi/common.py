"""What the indicators' collectors share: the examples they pick and a few formatting helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alternance.models import Visit
from alternance.qualiopi.extracts import Extract, person
from alternance.qualiopi.sources import Period, local_midnight
from companies.models import Interaction

EXAMPLES_LIMIT = 5


@dataclass(frozen=True)
class Example:
    day: date
    text: str


@dataclass
class Details:
    """What an indicator adds to its sources' counts: figures, examples, CSV extracts, notes."""

    counts: list[tuple[str, int]] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    extracts: list[Extract] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def pick_examples(*groups: list[Example], limit: int = EXAMPLES_LIMIT) -> list[Example]:
    """Up to ``limit`` examples taken in turn from each group (each already most recent first), so
    that every kind of evidence shows; the result is most recent first."""
    pools = [list(group) for group in groups]
    chosen: list[Example] = []
    while len(chosen) < limit and any(pools):
        for pool in pools:
            if pool and len(chosen) < limit:
                chosen.append(pool.pop(0))
    return sorted(chosen, key=lambda example: example.day, reverse=True)


def local_day(value) -> date:
    return timezone.localtime(value).date()


def company_of(visit: Visit) -> str:
    return visit.contract.company.name if visit.contract_id and visit.contract else ""


def datetime_range(field_name: str, period: Period) -> Q:
    """A date-time field inside the period's days."""
    return Q(**{f"{field_name}__gte": local_midnight(period.start), f"{field_name}__lt": local_midnight(period.end + timedelta(days=1))})


def interaction_row(interaction: Interaction) -> list:
    return [
        interaction.occurred_at, interaction.get_kind_display(), interaction.get_outcome_display(), interaction.company.name,
        interaction.contact.full_name if interaction.contact else "", interaction.apprentice.full_name if interaction.apprentice else "",
        person(interaction.author), interaction.summary, interaction.next_follow_up, interaction.follow_up_done,
    ]


INTERACTION_HEADER = (
    gettext_lazy("Date"), gettext_lazy("Type"), gettext_lazy("Issue"), gettext_lazy("Entreprise"), gettext_lazy("Contact"),
    gettext_lazy("Apprenti·e"), gettext_lazy("Auteur"), gettext_lazy("Résumé"), gettext_lazy("Prochaine relance"),
    gettext_lazy("Relance faite"),
)


def grid_average(answers: dict) -> str:
    scores = [answer.get("score") for answer in (answers or {}).values() if isinstance(answer, dict)]
    scores = [score for score in scores if isinstance(score, int)]
    if not scores:
        return ""
    return f"{sum(scores) / len(scores):.1f}".replace(".", ",")


def referent_handicap() -> dict[str, str]:
    """The OF's référent handicap from the settings (REFERENT_HANDICAP_PRENOM, _NOM, _EMAIL)."""
    configured = getattr(settings, "QUALIOPI_REFERENT_HANDICAP", {}) or {}
    return {"name": (configured.get("name") or "").strip(), "email": (configured.get("email") or "").strip()}


def referent_note() -> str:
    referent = referent_handicap()
    if referent["name"]:
        return _("Référent handicap de l'organisme : %(who)s.") % {
            "who": f"{referent['name']} ({referent['email']})" if referent["email"] else referent["name"]
        }
    return _(
        "Référent handicap non renseigné : indiquez son nom et son e-mail dans les variables "
        "REFERENT_HANDICAP_PRENOM, REFERENT_HANDICAP_NOM et REFERENT_HANDICAP_EMAIL, puis produisez à nouveau le dossier."
    )
