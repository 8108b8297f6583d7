"""Merging two duplicate records: the preview (``merge_plan``) and the merge (``company_merge``,
``apprentice_merge``), one transaction each.

What hangs from a record is found by walking ``Model._meta.related_objects``: a model added
tomorrow with a foreign key to ``Apprentice`` or ``Company`` is moved without touching this module,
and its unique constraints are checked generically (a clash the module has no policy for refuses
the merge with a French message instead of an ``IntegrityError``). The policies chosen where two
rows would collide:

- attendance of the same half-day, calendar change of the same day: identical on both records →
  the merged record's row is dropped; different → refused, the days named (the register is
  corrected first: nothing is lost silently);
- the same learner proposed to the same company on both records (open placements): the merged
  record's placement is withdrawn, with a history row, then moved;
- two enrolled candidates (one per apprentice): refused (the admissions history of each must stay);
- two contracts in force (one per apprentice record): refused (one person, one contract at a time);
- two extranet accounts: the account of the chosen value is kept, the other one deactivated;
- contacts of two companies that are the same person (same extranet account, same e-mail or same
  name): folded into the kept company's contact (contracts, exchanges and alerts follow);
- an open alert of the same rule on both records: the merged record's one is closed, the kept
  record's stays open; every other alert follows its subject.

Field values: for each group of fields (an address is one group), the kept record's non-empty
value wins and an empty one is filled from the merged record; where both hold different values
the coordinator may choose. The merged record is then deleted (its rows all moved) and the merge
recorded (``merge_recorded``): in the kept company's exchange log, and through the
``record_merged`` signal that the change history listens to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from alerts.choices import OPEN_ALERT_STATUSES, AlertStatus
from alerts.models import Alert, AlertEvent
from alerts.triggers import facts_changed
from alternance.attendance.tallies import tally_refresh_pairs
from alternance.merges.signals import record_merged
from alternance.models import Apprentice, AttendanceRecord, User
from alternance.planning import free_period
from companies.choices import OPEN_PLACEMENT_STATUSES, InteractionKind, InteractionOutcome, PlacementStatus
from companies.models import Company, CompanyContact, Interaction, Placement, PlacementEvent
from companies.services import CONTACT_FIELDS
from contracts.choices import ACTIVE_CONTRACT_STATUSES
from contracts.models import Contract
from contracts.services import apprentice_sync_status

logger = logging.getLogger(__name__)

KEPT, MERGED = "kept", "merged"
MAX_NAMED = 5  # rows named in a refusal message ("… and 12 others")


class MergeRefused(ValidationError):
    """The merge cannot be done as is; ``messages`` say what collides and how to fix it."""


# --- field groups ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldGroup:
    """Fields merged together (an address is street, postal code and town): one choice per group."""

    key: str
    label: str
    fields: tuple[str, ...]
    personal: bool = False  # the value is never shown (the NIR: « renseigné »)


def _group(key: str, label: str, *fields: str, personal: bool = False) -> FieldGroup:
    return FieldGroup(key=key, label=label, fields=fields or (key,), personal=personal)


COMPANY_GROUPS: tuple[FieldGroup, ...] = (
    _group("siret", gettext_lazy("SIRET")),
    _group("name", gettext_lazy("Raison sociale")),
    _group("address", gettext_lazy("Adresse"), "address", "postal_code", "city"),
    _group("naf_code", gettext_lazy("Code NAF")),
    _group("idcc", gettext_lazy("Convention collective et OPCO"), "idcc", "opco_overridden", "opco"),
    _group("employer", gettext_lazy("Type d'employeur"), "is_public", "employer_type", "specific_employer"),
    _group("headcount", gettext_lazy("Effectif")),
    _group("phone", gettext_lazy("Téléphone")),
    _group("email", gettext_lazy("E-mail")),
    _group("owner_cre", gettext_lazy("CRE référent·e")),
    _group("sensitive", gettext_lazy("Entreprise sensible"), "sensitive", "sensitive_reason"),
)
# Not merged: the row's identity and bookkeeping; the kept company's archiving stays its own.
# Search keys are derived from the merged fields and recomputed when the kept record is saved.
COMPANY_NOT_MERGED = frozenset({"id", "archived_at", "archived_by", "archived_reason", "created_at", "updated_at",
                                *Company.SEARCH_KEY_FIELDS})

APPRENTICE_GROUPS: tuple[FieldGroup, ...] = (
    _group("last_name", gettext_lazy("Nom de naissance")),
    _group("usage_name", gettext_lazy("Nom d'usage")),
    _group("first_name", gettext_lazy("Prénom")),
    _group("sex", gettext_lazy("Sexe")),
    _group("birth_date", gettext_lazy("Date de naissance")),
    _group("birth_place", gettext_lazy("Lieu de naissance"), "birth_department", "birth_commune"),
    _group("nationality", gettext_lazy("Nationalité")),
    _group("social_regime", gettext_lazy("Régime social")),
    _group("nir", gettext_lazy("NIR"), "nir_encrypted", "has_nir", personal=True),
    _group("ine", gettext_lazy("INE")),
    _group("address", gettext_lazy("Adresse"), "address", "postal_code", "city"),
    _group("phone", gettext_lazy("Téléphone")),
    _group("email", gettext_lazy("E-mail")),
    _group("rqth", gettext_lazy("RQTH"), "rqth", "rqth_date"),
    _group("top_athlete", gettext_lazy("Sportif de haut niveau")),
    _group("business_project", gettext_lazy("Projet de création ou de reprise d'entreprise")),
    _group(
        "legal_representative", gettext_lazy("Représentant légal"), "emancipated", "legal_representative_name",
        "legal_representative_address", "legal_representative_email", "legal_representative_phone",
    ),
    _group("situation_before_contract", gettext_lazy("Situation avant le contrat")),
    _group("last_diploma_prepared", gettext_lazy("Dernier diplôme préparé"), "last_diploma_prepared", "last_diploma_title"),
    _group("last_class", gettext_lazy("Dernière classe suivie")),
    _group("highest_diploma", gettext_lazy("Diplôme le plus élevé obtenu")),
    _group("cohort", gettext_lazy("Promotion")),
    _group("training_dates", gettext_lazy("Inscription et entrée en formation"), "enrolment_date", "training_start_date"),
    _group("user", gettext_lazy("Compte extranet")),
)
# Not merged: the status follows the contracts once they moved (``apprentice_sync_status``), the
# kept record's exclusion stays its own, bookkeeping.
# The exit reason goes with the status and its date (recomputed from the contracts after a merge).
# The anonymisation date (GDPR, issue 17 §8) is the kept record's own state, never copied.
APPRENTICE_NOT_MERGED = frozenset({"id", "status", "status_since", "exclusion_date", "exit_reason", "created_at", "updated_at",
                                   "anonymised_at", *Apprentice.SEARCH_KEY_FIELDS})

GROUPS: dict[type[models.Model], tuple[FieldGroup, ...]] = {Company: COMPANY_GROUPS, Apprentice: APPRENTICE_GROUPS}
NOT_MERGED: dict[type[models.Model], frozenset[str]] = {Company: COMPANY_NOT_MERGED, Apprentice: APPRENTICE_NOT_MERGED}


def _empty(value) -> bool:
    return value is None or value == "" or value is False


def _values(obj: models.Model, group: FieldGroup) -> tuple:
    return tuple(getattr(obj, obj._meta.get_field(name).attname) for name in group.fields)


def _display(obj: models.Model, group: FieldGroup) -> str:
    if group.personal:
        return _("renseigné") if not all(_empty(v) for v in _values(obj, group)) else "—"
    parts, only_flags = [], True
    for name in group.fields:
        model_field = obj._meta.get_field(name)
        value = getattr(obj, name)
        if not isinstance(model_field, models.BooleanField):
            only_flags = False
        if _empty(value):
            continue
        if model_field.choices:
            parts.append(str(getattr(obj, f"get_{name}_display")()))
        elif isinstance(model_field, models.BooleanField):
            parts.append(str(capfirst(model_field.verbose_name)) if len(group.fields) > 1 else _("oui"))
        elif isinstance(value, date):
            parts.append(date_format(value, "SHORT_DATE_FORMAT"))
        elif isinstance(value, User):
            parts.append(value.get_full_name() or value.email)
        else:
            parts.append(str(value))
    if not parts:
        return _("non") if only_flags else "—"
    return ", ".join(parts)


@dataclass
class FieldRow:
    """One group of fields in the preview: both values and what the merge does with them."""

    group: FieldGroup
    kept: str
    merged: str
    state: str  # "same", "kept" (the merged record's is empty), "filled" (taken from the merged record), "conflict"
    choice: str = KEPT

    @property
    def changes(self) -> bool:
        return self.state in ("filled", "conflict")


def _field_rows(kept: models.Model, merged: models.Model, choices: dict[str, str]) -> list[FieldRow]:
    rows = []
    for group in GROUPS[type(kept)]:
        kept_values, merged_values = _values(kept, group), _values(merged, group)
        kept_empty, merged_empty = all(_empty(v) for v in kept_values), all(_empty(v) for v in merged_values)
        if kept_values == merged_values:
            state = "same"
        elif merged_empty:
            state = "kept"
        elif kept_empty:
            state = "filled"
        else:
            state = "conflict"
        choice = MERGED if state == "filled" else KEPT
        if state == "conflict" and choices.get(group.key) == MERGED:
            choice = MERGED
        rows.append(FieldRow(group=group, kept=_display(kept, group), merged=_display(merged, group), state=state, choice=choice))
    return rows


# --- what hangs from a record ------------------------------------------------------------------------------

def relations(model: type[models.Model]) -> list[ForeignObjectRel]:
    """Every relation pointing at ``model`` (foreign keys and one-to-one links of other models)."""
    return [rel for rel in model._meta.related_objects if not rel.many_to_many]


def relation_key(rel: ForeignObjectRel) -> str:
    return f"{rel.related_model._meta.label_lower}.{rel.field.name}"


def relation_label(rel: ForeignObjectRel) -> str:
    """« Contrats », or « Contrats (maître d'apprentissage n° 2) » when a model points twice at the record."""
    label = str(capfirst(rel.related_model._meta.verbose_name_plural))
    twins = [r for r in rel.model._meta.related_objects if r.related_model is rel.related_model]
    if len(twins) > 1:
        label = f"{label} ({rel.field.verbose_name})"
    return label


def _rows(rel: ForeignObjectRel, obj: models.Model):
    return rel.related_model._base_manager.filter(**{rel.field.name: obj})


def _unique_sets(model: type[models.Model], field_name: str) -> list[tuple[tuple[str, ...], Q | None]]:
    """The unique constraints of ``model`` that include ``field_name`` (fields, condition)."""
    sets = []
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields and field_name in constraint.fields:
            sets.append((tuple(constraint.fields), constraint.condition))
    for fields in model._meta.unique_together:
        if field_name in fields:
            sets.append((tuple(fields), None))
    if model._meta.get_field(field_name).unique:
        sets.append(((field_name,), None))
    return sets


def _clashes(rel: ForeignObjectRel, kept: models.Model, merged: models.Model) -> list[tuple[tuple[str, ...], models.QuerySet, models.QuerySet]]:
    """For each unique constraint through the relation: (fields, the merged record's rows that would
    collide with a row of the kept record, the kept record's rows). One query each when evaluated."""
    found = []
    for fields, condition in _unique_sets(rel.related_model, rel.field.name):
        others = [name for name in fields if name != rel.field.name]
        kept_rows, merged_rows = _rows(rel, kept), _rows(rel, merged)
        if condition is not None:
            kept_rows, merged_rows = kept_rows.filter(condition), merged_rows.filter(condition)
        twin = kept_rows.filter(**{name: OuterRef(name) for name in others})
        found.append((tuple(others), merged_rows.filter(Exists(twin)), twin))
    return found


def _half_day(record: AttendanceRecord) -> str:
    return f"{date_format(record.day, 'SHORT_DATE_FORMAT')} {record.get_half_display().lower()}"


def _named(items: list[str], total: int) -> str:
    text = ", ".join(items[:MAX_NAMED])
    if total > MAX_NAMED:
        text += ngettext(" et %(count)s autre", " et %(count)s autres", total - MAX_NAMED) % {"count": total - MAX_NAMED}
    return text


@dataclass
class Move:
    key: str
    label: str
    count: int


@dataclass
class MergePlan:
    """The preview of a merge, and what the merge will do where rows collide."""

    kept: models.Model
    merged: models.Model
    moves: list[Move]
    fields: list[FieldRow]
    refusals: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Resolutions of the collisions, applied by the merge in this order.
    drop: dict[str, list[int]] = field(default_factory=dict)  # relation key → pks of the merged record's rows to delete
    withdraw: list[int] = field(default_factory=list)  # open placements of the merged record to withdraw
    contact_pairs: list[tuple[CompanyContact, CompanyContact]] = field(default_factory=list)  # (merged's, kept's twin)
    deactivate_user: int | None = None

    @property
    def ok(self) -> bool:
        return not self.refusals

    @property
    def moved(self) -> dict[str, int]:
        return {move.label: move.count for move in self.moves if move.count}

    @property
    def changed_fields(self) -> list[FieldRow]:
        return [row for row in self.fields if row.changes]


# Policies for known collisions (relation key → handler filling the plan); any other collision refuses.
def _same_or_refuse(compare: tuple[str, ...], describe, what: str):
    def handle(plan: MergePlan, rel: ForeignObjectRel, clashing: models.QuerySet, twin: models.QuerySet) -> None:
        annotated = clashing.annotate(**{f"twin_{name}": Subquery(twin.values(name)[:1]) for name in compare}).order_by(*clashing.model._meta.ordering or ["pk"])
        same, different = [], []
        for row in annotated:
            (same if all(getattr(row, name) == getattr(row, f"twin_{name}") for name in compare) else different).append(row)
        if same:
            plan.drop.setdefault(relation_key(rel), []).extend(row.pk for row in same)
            plan.notes.append(ngettext(
                "%(what)s : %(count)s jour identique sur les deux fiches, gardé une seule fois (%(days)s).",
                "%(what)s : %(count)s jours identiques sur les deux fiches, gardés une seule fois (%(days)s).",
                len(same),
            ) % {"what": what, "count": len(same), "days": _named([describe(r) for r in same], len(same))})
        if different:
            plan.refusals.append(ngettext(
                "%(what)s : %(count)s jour diffère entre les deux fiches (%(days)s). Corrigez l'une des deux avant de fusionner.",
                "%(what)s : %(count)s jours diffèrent entre les deux fiches (%(days)s). Corrigez l'une des deux avant de fusionner.",
                len(different),
            ) % {"what": what, "count": len(different), "days": _named([describe(r) for r in different], len(different))})
    return handle


def _withdraw_placements(plan: MergePlan, rel, clashing, twin) -> None:
    rows = list(clashing.select_related("company", "apprentice"))
    if rows:
        plan.withdraw.extend(row.pk for row in rows)
        plan.notes.append(ngettext(
            "%(count)s mise en relation en cours existe sur les deux fiches : celle de la fiche fusionnée est retirée (%(names)s).",
            "%(count)s mises en relation en cours existent sur les deux fiches : celles de la fiche fusionnée sont retirées (%(names)s).",
            len(rows),
        ) % {"count": len(rows), "names": _named([f"{r.apprentice.full_name} → {r.company.name}" for r in rows], len(rows))})


def _refuse_two_candidates(plan: MergePlan, rel, clashing, twin) -> None:
    if clashing.exists():
        plan.refusals.append(_(
            "Les deux fiches viennent chacune d'une candidature inscrite en promotion, et chaque candidature doit garder "
            "sa fiche apprenti·e : ces deux fiches ne peuvent pas être fusionnées à l'écran. Signalez ce doublon à "
            "l'administrateur de l'application."
        ))


POLICIES = {
    "alternance.attendancerecord.apprentice": _same_or_refuse(
        ("status", "minutes_late", "justification"), _half_day, gettext_lazy("Présences")
    ),
    "alternance.calendaroverride.apprentice": _same_or_refuse(
        ("place",), lambda r: date_format(r.day, "SHORT_DATE_FORMAT"), gettext_lazy("Changements de calendrier")
    ),
    "companies.placement.apprentice": _withdraw_placements,
    "companies.placement.company": _withdraw_placements,
    "alternance.candidate.apprentice": _refuse_two_candidates,
}


def _generic_refusal(plan: MergePlan, rel: ForeignObjectRel, clashing: models.QuerySet, others: tuple[str, ...]) -> None:
    count = clashing.count()
    if count:
        plan.refusals.append(ngettext(
            "%(kind)s : %(count)s ligne de la fiche fusionnée existe déjà sur la fiche conservée (même %(fields)s). "
            "Supprimez ou corrigez le doublon avant de fusionner.",
            "%(kind)s : %(count)s lignes de la fiche fusionnée existent déjà sur la fiche conservée (même %(fields)s). "
            "Supprimez ou corrigez les doublons avant de fusionner.",
            count,
        ) % {"kind": relation_label(rel), "count": count,
             "fields": ", ".join(str(rel.related_model._meta.get_field(n).verbose_name) for n in others) or _("fiche")})


def _contract_label(contract: Contract) -> str:
    return _("chez %(company)s du %(start)s au %(end)s (%(status)s)") % {
        "company": contract.company.name, "start": date_format(contract.start_date, "SHORT_DATE_FORMAT"),
        "end": date_format(contract.end_date, "SHORT_DATE_FORMAT"), "status": contract.get_status_display(),
    }


def _check_contracts(plan: MergePlan) -> None:
    """One person, one contract in force: two (one per apprentice record) refuse the merge."""
    in_force = list(
        Contract.objects.filter(apprentice__in=[plan.kept.pk, plan.merged.pk], status__in=ACTIVE_CONTRACT_STATUSES)
        .select_related("company").order_by("start_date", "pk")
    )
    kept = [c for c in in_force if c.apprentice_id == plan.kept.pk]
    merged = [c for c in in_force if c.apprentice_id == plan.merged.pk]
    if kept and merged:
        plan.refusals.append(_(
            "Les deux fiches ont chacune un contrat en vigueur (%(kept)s ; %(merged)s) : une personne n'a qu'un contrat à la "
            "fois. Enregistrez la fin ou la rupture de celui qui n'a pas lieu d'être, puis fusionnez."
        ) % {"kept": _contract_label(kept[0]), "merged": _contract_label(merged[0])})


def _user_label(user: User) -> str:
    return user.email or user.get_full_name()


def _check_accounts(plan: MergePlan) -> None:
    """Two extranet accounts: the chosen one stays, the other is deactivated (said in the preview)."""
    kept_user, merged_user = plan.kept.user, plan.merged.user
    if kept_user is None or merged_user is None:
        return
    row = next(r for r in plan.fields if r.group.key == "user")
    dropped = merged_user if row.choice == KEPT else kept_user
    plan.deactivate_user = dropped.pk
    plan.notes.append(_("Les deux fiches ont un compte extranet : le compte %(email)s sera désactivé.") % {"email": _user_label(dropped)})


def _contact_twins(kept: Company, merged: Company) -> list[tuple[CompanyContact, CompanyContact]]:
    """Contacts of the merged company who are a contact of the kept one: same extranet account,
    same e-mail address or same first and last name. Two queries."""
    kept_contacts = list(CompanyContact.objects.filter(company=kept).order_by("pk"))
    by_user = {c.user_id: c for c in kept_contacts if c.user_id}
    by_email = {c.email.strip().lower(): c for c in kept_contacts if c.email.strip()}
    by_name = {(c.last_name.strip().lower(), c.first_name.strip().lower()): c for c in kept_contacts}
    pairs = []
    for contact in CompanyContact.objects.filter(company=merged).order_by("pk"):
        twin = (
            (by_user.get(contact.user_id) if contact.user_id else None)
            or by_email.get(contact.email.strip().lower())
            or by_name.get((contact.last_name.strip().lower(), contact.first_name.strip().lower()))
        )
        if twin is not None:
            pairs.append((contact, twin))
    return pairs


def _check_contacts(plan: MergePlan) -> None:
    plan.contact_pairs = _contact_twins(plan.kept, plan.merged)
    if not plan.contact_pairs:
        return
    plan.notes.append(ngettext(
        "%(count)s contact figure dans les deux fiches (%(names)s) : ses deux fiches de contact sont réunies.",
        "%(count)s contacts figurent dans les deux fiches (%(names)s) : leurs deux fiches de contact sont réunies.",
        len(plan.contact_pairs),
    ) % {"count": len(plan.contact_pairs), "names": _named([twin.full_name for _c, twin in plan.contact_pairs], len(plan.contact_pairs))})
    pair_q = Q()
    for contact, twin in plan.contact_pairs:
        pair_q |= Q(master=contact, second_master=twin) | Q(master=twin, second_master=contact)
    both = list(Contract.objects.filter(pair_q).select_related("company", "apprentice")[:MAX_NAMED])
    if both:
        plan.refusals.append(_(
            "Un même contrat nomme les deux fiches d'une même personne comme maîtres d'apprentissage n° 1 et n° 2 "
            "(%(contract)s) : retirez le second maître d'apprentissage de ce contrat avant de fusionner."
        ) % {"contract": f"{both[0].apprentice.full_name} {_contract_label(both[0])}"})


def merge_plan(*, kept: models.Model, merged: models.Model, choices: dict[str, str] | None = None) -> MergePlan:
    """What merging ``merged`` into ``kept`` will move, keep, fill and refuse. A fixed number of
    queries whatever the number of rows (one count per relation, one per unique constraint)."""
    model = type(kept)
    if model not in GROUPS or type(merged) is not model:
        raise TypeError(f"Fusion impossible entre {model.__name__} et {type(merged).__name__}")
    rows = _field_rows(kept, merged, choices or {})
    moves = [Move(key=relation_key(rel), label=relation_label(rel), count=_rows(rel, merged).count()) for rel in relations(model)]
    plan = MergePlan(kept=kept, merged=merged, moves=moves, fields=rows)
    if kept.pk == merged.pk:
        plan.refusals.append(_("Choisissez une autre fiche : une fiche ne se fusionne pas avec elle-même."))
        return plan
    if model is Company:
        _check_contacts(plan)
    else:
        _check_contracts(plan)
        _check_accounts(plan)
    counts = {move.key: move.count for move in moves}
    for rel in relations(model):
        key = relation_key(rel)
        if not counts[key]:
            continue
        for others, clashing, twin in _clashes(rel, kept, merged):
            if key in POLICIES:
                POLICIES[key](plan, rel, clashing, twin)
            elif not (key == "companies.companycontact.company" and others == ("user",)):
                # (two contacts with one extranet account are twins, folded above)
                _generic_refusal(plan, rel, clashing, others)
    return plan


# --- the merge -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MergedSnapshot:
    """The deleted record as the history keeps it: its model, id, label and displayed values."""

    model: str
    pk: int
    label: str
    values: dict[str, str]


def _snapshot(obj: models.Model) -> MergedSnapshot:
    return MergedSnapshot(
        model=obj._meta.label_lower, pk=obj.pk, label=str(obj),
        values={str(group.label): _display(obj, group) for group in GROUPS[type(obj)]},
    )


def _move_subject_alerts(old: models.Model, new: models.Model, *, by: User, now) -> None:
    """Alerts whose subject is ``old`` follow it to ``new``; where both have an open alert of the
    same rule, ``old``'s is closed (the unique open alert per rule and subject stays ``new``'s)."""
    content_type = ContentType.objects.get_for_model(type(old))
    mine = Alert.objects.filter(subject_type=content_type, subject_id=old.pk)
    open_rules = Alert.objects.filter(subject_type=content_type, subject_id=new.pk, status__in=OPEN_ALERT_STATUSES).values("rule_code")
    reason = _("Fiche fusionnée dans « %(kept)s » : l'alerte de la fiche conservée reste ouverte.") % {"kept": str(new)}
    closing = list(mine.filter(status__in=OPEN_ALERT_STATUSES, rule_code__in=open_rules))
    if closing:
        Alert.objects.filter(pk__in=[a.pk for a in closing]).update(
            status=AlertStatus.RESOLVED, resolved_at=now, closed_by=by, resolution_reason=reason, condition_active=False,
        )
        AlertEvent.objects.bulk_create([
            AlertEvent(alert=a, from_status=a.status, to_status=AlertStatus.RESOLVED, author=by, comment=reason) for a in closing
        ])
    mine.update(subject_id=new.pk)


def _repoint(old: models.Model, new: models.Model) -> None:
    """Every row pointing at ``old`` now points at ``new`` (one UPDATE per relation)."""
    for rel in relations(type(old)):
        _rows(rel, old).update(**{rel.field.name: new})


def _fold_contact(contact: CompanyContact, twin: CompanyContact, *, by: User, now) -> None:
    """The merged company's contact is the kept company's ``twin``: what points at it moves to the
    twin, the twin's empty fields are filled from it (roles and activity add up), and it goes."""
    _move_subject_alerts(contact, twin, by=by, now=now)
    _repoint(contact, twin)
    for name in (*CONTACT_FIELDS, "user"):
        attname = CompanyContact._meta.get_field(name).attname
        if _empty(getattr(twin, attname)) and not _empty(getattr(contact, attname)):
            setattr(twin, attname, getattr(contact, attname))
    twin.active = twin.active or contact.active
    contact.delete()
    twin.full_clean()
    twin.save()


def _apply_fields(kept: models.Model, merged: models.Model, rows: list[FieldRow]) -> None:
    for row in rows:
        if row.choice == MERGED:
            for name in row.group.fields:
                attname = kept._meta.get_field(name).attname
                setattr(kept, attname, getattr(merged, attname))


def _merge(*, kept: models.Model, merged: models.Model, by: User, choices: dict[str, str], today: date) -> dict[str, int]:
    model = type(kept)
    # Lock both rows (in pk order: two merges of the same pair cannot deadlock) and read them fresh.
    locked = {obj.pk: obj for obj in model.objects.select_for_update().filter(pk__in=sorted({kept.pk, merged.pk})).order_by("pk")}
    if kept.pk not in locked or merged.pk not in locked:
        raise MergeRefused(_("L'une des deux fiches n'existe plus (déjà fusionnée ?) : rechargez la page."))
    kept, merged = locked[kept.pk], locked[merged.pk]
    plan = merge_plan(kept=kept, merged=merged, choices=choices)
    if not plan.ok:
        raise MergeRefused(plan.refusals)
    now = timezone.now()
    # Days of attendance on either record: their cohort tallies are recomputed once everything moved.
    attendance_days = set()
    old_cohorts = set()
    if model is Apprentice:
        attendance_days = set(AttendanceRecord.objects.filter(apprentice__in=[kept, merged]).values_list("day", flat=True).distinct())
        old_cohorts = {kept.cohort_id, merged.cohort_id}
    # Collisions first, as the preview said.
    for key, pks in plan.drop.items():
        rel = next(r for r in relations(model) if relation_key(r) == key)
        rel.related_model._base_manager.filter(pk__in=pks).delete()
    if plan.withdraw:
        withdrawn = list(Placement.objects.filter(pk__in=plan.withdraw))
        Placement.objects.filter(pk__in=plan.withdraw, status__in=OPEN_PLACEMENT_STATUSES).update(
            status=PlacementStatus.WITHDRAWN, decided_on=today
        )
        PlacementEvent.objects.bulk_create([
            PlacementEvent(placement=p, from_status=p.status, to_status=PlacementStatus.WITHDRAWN, by=by,
                           comment=_("Doublon : la même mise en relation existe sur la fiche conservée."))
            for p in withdrawn
        ])
    for contact, twin in plan.contact_pairs:
        _fold_contact(contact, twin, by=by, now=now)
    contract_ids = list(Contract.objects.filter(**{model._meta.model_name: merged}).values_list("pk", flat=True))
    _move_subject_alerts(merged, kept, by=by, now=now)
    _repoint(merged, kept)
    snapshot = _snapshot(merged)
    if plan.deactivate_user:
        User.objects.filter(pk=plan.deactivate_user).update(is_active=False)
    # The merged record goes (nothing points at it any more) before the kept one takes its values:
    # a SIRET, an INE or an extranet account chosen from it is unique.
    merged.delete()
    _apply_fields(kept, merged, plan.fields)
    if model is Company:
        kept.opco = kept.opco if kept.opco_overridden else ""
    try:
        kept.full_clean()
    except ValidationError as error:
        raise MergeRefused([
            _("Avec les valeurs retenues, la fiche conservée ne serait pas valide : %(errors)s Choisissez l'autre valeur.")
            % {"errors": " ".join(error.messages)}
        ]) from None
    kept.save()
    if model is Apprentice:
        apprentice_sync_status(apprentice=kept)
        free_period.refresh_apprentices([kept.pk])  # the contracts and exceptions moved, the cohort may have
        tally_refresh_pairs({(cohort, day) for cohort in (*old_cohorts, kept.cohort_id) for day in attendance_days})
        facts_changed("record_merged", contract_ids=contract_ids, apprentice_ids=[kept.pk])
    elif contract_ids:
        facts_changed("record_merged", contract_ids=contract_ids)
    merge_recorded(kept, snapshot, by, plan.moved)
    return plan.moved


def merge_recorded(kept: models.Model, merged: MergedSnapshot, actor: User, moved: dict[str, int]) -> None:
    """Record the merge: in the kept company's exchange log (the company's existing history, as
    portfolio reassignments are), then through the ``record_merged`` signal that the change history
    subscribes to (the apprentice's history lives there)."""
    if isinstance(kept, Company):
        what = ", ".join(f"{label.lower()} : {count}" for label, count in moved.items()) or _("rien à déplacer")
        Interaction.objects.create(
            company=kept, author=actor, kind=InteractionKind.OTHER, outcome=InteractionOutcome.NEUTRAL, occurred_at=timezone.now(),
            summary=_("Fiche en double « %(label)s » fusionnée dans celle-ci (déplacé·es — %(what)s).") % {"label": merged.label, "what": what},
        )
    logger.info("records merged", extra={"model": merged.model, "kept": kept.pk, "merged": merged.pk, "by": actor.pk})
    record_merged.send(sender=type(kept), kept=kept, merged=merged, actor=actor, moved=moved)


@transaction.atomic
def company_merge(*, kept: Company, merged: Company, by: User, today: date, choices: dict[str, str] | None = None) -> dict[str, int]:
    """Merge the duplicate company ``merged`` into ``kept`` (see the module docstring); returns the
    counts moved per kind. Refused (``MergeRefused``, nothing written) where rows collide."""
    return _merge(kept=kept, merged=merged, by=by, choices=choices or {}, today=today)


@transaction.atomic
def apprentice_merge(*, kept: Apprentice, merged: Apprentice, by: User, today: date, choices: dict[str, str] | None = None) -> dict[str, int]:
    """Merge the duplicate apprentice ``merged`` into ``kept`` (see the module docstring)."""
    return _merge(kept=kept, merged=merged, by=by, choices=choices or {}, today=today)
