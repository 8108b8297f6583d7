"""Writes of admissions: applying (public page), keying in a candidate, the pipeline's transitions
and enrolment. Every service is keyword-only and atomic, validates with ``full_clean()`` and, for a
move along the pipeline, checks the transition table, moves the status with a compare-and-set
update and writes a ``CandidateEvent`` (who, when, from, to, why).

Rules that depend on the day take ``now`` (or ``today``) from the caller: views read the clock.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The age rule and the duplicate search are shared with the apprentice records (issue 13 §2, §3).
from alternance.apprentices.selectors import Duplicates, find_duplicates
from alternance.apprentices.services import age_check, apprentice_enrol
from alternance.attendance.services import PDF, proof_format
from alternance.catalogue.selectors import cohort_enrolled
from alternance.choices import CandidateSource, CandidateStatus, PositioningKind
from alternance.history.services import record_update
from alternance.models import Apprentice, Candidate, CandidateEvent, Cohort, Programme, User
from contracts.choices import DocumentKind
from contracts.documents import document_store

MEGABYTE = 1024 * 1024

# The pipeline (issue 13 §1). A status absent from the keys is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    CandidateStatus.RECEIVED: frozenset({CandidateStatus.POSITIONING, CandidateStatus.REFUSED, CandidateStatus.WITHDRAWN}),
    CandidateStatus.POSITIONING: frozenset({
        CandidateStatus.ADMITTED, CandidateStatus.WAITING_LIST, CandidateStatus.REFUSED, CandidateStatus.WITHDRAWN,
    }),
    CandidateStatus.WAITING_LIST: frozenset({CandidateStatus.ADMITTED, CandidateStatus.REFUSED, CandidateStatus.WITHDRAWN}),
    CandidateStatus.ADMITTED: frozenset({CandidateStatus.ENROLLED, CandidateStatus.WITHDRAWN}),
}
# Stages where an application is still alive (a second one for the same programme is a duplicate).
OPEN_STATUSES = (CandidateStatus.RECEIVED, CandidateStatus.POSITIONING, CandidateStatus.ADMITTED, CandidateStatus.WAITING_LIST)


def can_move(candidate: Candidate, to: str) -> bool:
    return to in TRANSITIONS.get(candidate.status, frozenset())


# --- checks shared by the public page and the staff form --------------------------------------------


def cv_size_check(size: int) -> None:
    """At most ``ADMISSIONS_CV_MAX_MB`` megabytes (the form checks the upload's size before reading it)."""
    limit = settings.ADMISSIONS_CV_MAX_MB
    if size > limit * MEGABYTE:
        shown = f"{math.ceil(size * 10 / MEGABYTE) / 10:.1f}".replace(".", ",")
        raise ValidationError({"cv": _(
            "Le CV pèse %(size)s Mo : la limite est de %(limit)s Mo. Enregistrez-le en PDF plus léger "
            "(sans images en haute définition) et déposez-le à nouveau."
        ) % {"size": shown, "limit": limit}})


def cv_check(content: bytes) -> None:
    """A CV is a readable PDF (read from its bytes, never its name) of at most
    ``ADMISSIONS_CV_MAX_MB`` megabytes."""
    cv_size_check(len(content))
    if proof_format(content) is not PDF:
        raise ValidationError({"cv": _(
            "Ce fichier n'est pas un PDF lisible. Enregistrez votre CV au format PDF (« Enregistrer sous » ou "
            "« Exporter en PDF » dans votre traitement de texte) et déposez-le à nouveau."
        )})


class DuplicateCandidate(ValidationError):
    """Creating this candidate would duplicate existing records (listed in ``duplicates``)."""

    def __init__(self, duplicates: Duplicates) -> None:
        super().__init__(_(
            "Cette personne existe déjà (même INE, ou mêmes nom, prénom et date de naissance). Ouvrez la fiche existante "
            "ci-dessous plutôt que d'en créer une deuxième."
        ))
        self.duplicates = duplicates


class RateLimited(ValidationError):
    pass


def _store_cv(candidate: Candidate, *, content: bytes) -> None:
    candidate.cv_sha256 = hashlib.sha256(content).hexdigest()
    candidate.cv_size = len(content)
    candidate.cv.save(f"cv-{candidate.last_name}-{candidate.first_name}.pdf"[:90], ContentFile(content), save=False)


def _create(candidate: Candidate, *, cv: bytes | None, by: User | None, now: datetime) -> Candidate:
    if cv:
        _store_cv(candidate, content=cv)
    try:
        candidate.full_clean()
        candidate.save()
    except Exception:
        if candidate.cv:
            candidate.cv.delete(save=False)  # the transaction rolls back; the file would stay behind
        raise
    CandidateEvent.objects.create(candidate=candidate, from_status="", to_status=CandidateStatus.RECEIVED, at=now, by=by,
                                  comment=_("Candidature en ligne") if by is None else "")
    return candidate


# --- applying on the public page ------------------------------------------------------------------------


def rate_limit_check(*, email: str, client_ip: str | None, now: datetime) -> None:
    """At most ``ADMISSIONS_MAX_PER_EMAIL`` applications per e-mail address and
    ``ADMISSIONS_MAX_PER_IP`` per client address over the last ``ADMISSIONS_WINDOW_HOURS`` hours,
    counted from the stored applications (no cache that a restart would reset)."""
    since = now - timedelta(hours=settings.ADMISSIONS_WINDOW_HOURS)
    recent = Candidate.objects.filter(submitted_at__gt=since, created_by__isnull=True)
    message = _(
        "Trop de candidatures ont été envoyées depuis %(what)s ces dernières %(hours)s heures. Réessayez demain, ou "
        "contactez directement le centre de formation par téléphone ou par e-mail."
    )
    if recent.filter(email=email.strip().lower()).count() >= settings.ADMISSIONS_MAX_PER_EMAIL:
        raise RateLimited(message % {"what": _("cette adresse e-mail"), "hours": settings.ADMISSIONS_WINDOW_HOURS})
    if client_ip and recent.filter(client_ip=client_ip).count() >= settings.ADMISSIONS_MAX_PER_IP:
        raise RateLimited(message % {"what": _("cette connexion"), "hours": settings.ADMISSIONS_WINDOW_HOURS})


@transaction.atomic
def candidate_apply(
    *, programme: Programme, data: dict, cv: bytes, client_ip: str | None, now: datetime
) -> Candidate:
    """An application from the public page of an open programme (no account): the consent to the
    personal-data notice is recorded with its time; the CV is compulsory. Refused beyond the rate
    limit, for a closed programme, for a person too young, and when the same address already has
    an application in progress for this programme."""
    if not programme.admissions_open:
        raise ValidationError(_("Les candidatures à cette formation sont closes. Consultez les formations ouvertes."))
    rate_limit_check(email=data.get("email", ""), client_ip=client_ip, now=now)
    today = timezone.localdate(now)
    age_check(data.get("birth_date"), today=today)
    cv_check(cv)
    email = (data.get("email") or "").strip().lower()
    if Candidate.objects.filter(programme=programme, email=email, status__in=OPEN_STATUSES).exists():
        raise ValidationError({"email": _(
            "Une candidature à cette formation est déjà en cours avec cette adresse e-mail : inutile de la renvoyer, "
            "l'équipe du centre vous recontacte. Pour la compléter, répondez à son e-mail."
        )})
    candidate = Candidate(
        programme=programme, source=CandidateSource.WEBSITE, status=CandidateStatus.RECEIVED, status_since=today,
        submitted_at=now, consent_at=now, client_ip=client_ip or None, **data,
    )
    candidate = _create(candidate, cv=cv, by=None, now=now)
    _send_acknowledgement(candidate)
    return candidate


def _send_acknowledgement(candidate: Candidate) -> None:
    """The applicant's receipt by e-mail, after the commit: what was received, what happens next and
    how to withdraw or correct the application (answering the e-mail reaches the centre)."""
    from alternance.outbox import email_queue

    context = {"candidate": candidate, "organisation": settings.ORGANISATION["name"]}
    subject = _("Votre candidature « %(programme)s » est bien reçue") % {"programme": candidate.programme.title}
    body = loader.render_to_string("alternance/emails/application_received.txt", context)
    to = [candidate.email]
    email_queue(subject=subject, body=body, to=to)  # the outbox: sent once the application commits


@transaction.atomic
def candidate_create(
    *, programme: Programme, source: str, data: dict, by: User, now: datetime, cv: bytes | None = None,
) -> Candidate:
    """A candidate keyed in by the staff (Parcoursup list, school fair, phone call…). Refused when
    the person already exists as a candidate or an apprentice (``DuplicateCandidate`` lists them)."""
    today = timezone.localdate(now)
    age_check(data.get("birth_date"), today=today)
    if cv:
        cv_check(cv)
    duplicates = find_duplicates(
        ine=data.get("ine", ""), last_name=data.get("last_name", ""), first_name=data.get("first_name", ""),
        birth_date=data.get("birth_date"),
    )
    if duplicates:
        raise DuplicateCandidate(duplicates)
    email = (data.get("email") or "").strip().lower()
    if Candidate.objects.filter(email=email, status__in=OPEN_STATUSES).exists():
        raise ValidationError({"email": _(
            "Cette adresse e-mail est déjà celle d'une autre candidature en cours : vérifiez-la, ou ouvrez la candidature "
            "existante depuis la liste (recherche par nom)."
        )})
    candidate = Candidate(
        programme=programme, source=source, status=CandidateStatus.RECEIVED, status_since=today, submitted_at=now,
        created_by=by, **data,
    )
    return _create(candidate, cv=cv, by=by, now=now)


# Fields the staff may correct after the application (the status moves only through the pipeline).
EDITABLE_FIELDS = (
    "last_name", "first_name", "sex", "birth_date", "birth_department", "birth_commune", "ine",
    "email", "phone", "address", "postal_code", "city", "last_diploma", "programme", "source",
)


@transaction.atomic
def candidate_update(
    *, candidate: Candidate, programme: Programme, source: str, data: dict, by: User, now: datetime,
    cv: bytes | None = None,
) -> Candidate:
    """Correct a candidate's identity, contact, requested programme or source (a typo in the name, a
    new phone number, another programme after the interview); a new CV replaces the old one.

    The same checks as keying in: age, a readable PDF, no duplicate person (other than itself), no
    other open application with this e-mail. The programme of an enrolled candidate is that of its
    cohort and cannot change any more. The change history records who changed what."""
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    today = timezone.localdate(now)
    age_check(data.get("birth_date"), today=today)
    if cv:
        cv_check(cv)
    if locked.status == CandidateStatus.ENROLLED and programme.pk != locked.programme_id:
        raise ValidationError({"programme": _(
            "Cette personne est déjà inscrite en promotion %(cohort)s : sa formation ne peut plus changer ici. "
            "Pour une autre formation, saisissez une nouvelle candidature."
        ) % {"cohort": locked.cohort.name if locked.cohort else ""}})
    duplicates = find_duplicates(
        ine=data.get("ine", ""), last_name=data.get("last_name", ""), first_name=data.get("first_name", ""),
        birth_date=data.get("birth_date"), exclude_pk=locked.pk,
    )
    # The apprentice made from this candidate at enrolment is the same person, not a duplicate.
    duplicates = Duplicates(
        candidates=duplicates.candidates,
        apprentices=[a for a in duplicates.apprentices if a.pk != locked.apprentice_id],
    )
    if duplicates:
        raise DuplicateCandidate(duplicates)
    email = (data.get("email") or "").strip().lower()
    if Candidate.objects.filter(email=email, status__in=OPEN_STATUSES).exclude(pk=locked.pk).exists():
        raise ValidationError({"email": _(
            "Cette adresse e-mail est déjà celle d'une autre candidature en cours : vérifiez-la, ou ouvrez la candidature "
            "existante depuis la liste (recherche par nom)."
        )})
    for name, value in {**data, "programme": programme, "source": source}.items():
        setattr(locked, name, value)
    old_cv = locked.cv.name if cv and locked.cv else ""
    if cv:
        _store_cv(locked, content=cv)
    try:
        locked.full_clean()
        locked.save()
    except Exception:
        if cv and locked.cv:
            locked.cv.delete(save=False)
        raise
    if old_cv:
        # The replaced file goes once the new one is committed (a rollback keeps the old one).
        storage = locked.cv.storage
        transaction.on_commit(lambda: storage.delete(old_cv))
    return locked


# --- the pipeline ------------------------------------------------------------------------------------------


def _move(candidate: Candidate, *, to: str, by: User, now: datetime, comment: str = "", **fields) -> Candidate:
    """Check the transition table, move with a compare-and-set update, write the history row."""
    old = candidate.status
    if not can_move(candidate, to):
        raise ValidationError(_("Une candidature « %(from)s » ne peut pas passer à « %(to)s ».") % {
            "from": CandidateStatus(old).label, "to": CandidateStatus(to).label,
        })
    today = timezone.localdate(now)
    updated = Candidate.objects.filter(pk=candidate.pk, status=old).update(status=to, status_since=today, **fields)
    if not updated:
        raise ValidationError(_("Cette candidature a été modifiée entre-temps : rechargez la page et recommencez."))
    CandidateEvent.objects.create(candidate=candidate, from_status=old, to_status=to, at=now, by=by, comment=comment)
    record_update(candidate, {"status": to, "status_since": today, **fields}, actor=by)  # no signal: history here
    candidate.refresh_from_db()
    return candidate


def _required(value: str, message: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


@transaction.atomic
def candidate_position(
    *, candidate: Candidate, kind: str, day: date, by: User, now: datetime, comment: str = ""
) -> Candidate:
    """Received → positioning: a test or an interview on ``day``."""
    if kind not in PositioningKind.values:
        raise ValidationError({"kind": _("Choisissez un test ou un entretien.")})
    if day is None:
        raise ValidationError({"day": _("Indiquez la date du test ou de l'entretien (jj/mm/aaaa).")})
    return _move(candidate, to=CandidateStatus.POSITIONING, by=by, now=now, comment=comment,
                 positioning_kind=kind, positioning_date=day)


def _decide(candidate: Candidate, *, to: str, result: str, by: User, now: datetime, comment: str) -> Candidate:
    fields = {}
    if candidate.status == CandidateStatus.POSITIONING:
        fields = {
            "positioning_result": _required(result, _(
                "Indiquez le résultat du positionnement (par exemple « 14/20 » ou « avis favorable »)."), "result")[:200],
            "positioning_comment": comment,
        }
    return _move(candidate, to=to, by=by, now=now, comment=comment, **fields)


@transaction.atomic
def candidate_admit(*, candidate: Candidate, result: str = "", by: User, now: datetime, comment: str = "") -> Candidate:
    """Positioning or waiting list → admitted (after positioning, its result is required)."""
    return _decide(candidate, to=CandidateStatus.ADMITTED, result=result, by=by, now=now, comment=comment)


@transaction.atomic
def candidate_wait_list(*, candidate: Candidate, result: str = "", by: User, now: datetime, comment: str = "") -> Candidate:
    return _decide(candidate, to=CandidateStatus.WAITING_LIST, result=result, by=by, now=now, comment=comment)


@transaction.atomic
def candidate_refuse(*, candidate: Candidate, result: str = "", by: User, now: datetime, comment: str = "") -> Candidate:
    """A refusal says why (the candidate may ask)."""
    comment = _required(comment, _("Indiquez le motif du refus : il sera conservé dans l'historique."), "comment")
    return _decide(candidate, to=CandidateStatus.REFUSED, result=result, by=by, now=now, comment=comment)


@transaction.atomic
def candidate_withdraw(*, candidate: Candidate, by: User, now: datetime, comment: str = "") -> Candidate:
    comment = _required(comment, _("Indiquez ce que la personne a dit (motif du désistement, ou « sans motif »)."), "comment")
    return _move(candidate, to=CandidateStatus.WITHDRAWN, by=by, now=now, comment=comment)


class CohortFull(ValidationError):
    """The cohort has no place left: the enrolment needs the user's confirmation (``over_capacity``)."""

    def __init__(self, cohort: Cohort, enrolled: int) -> None:
        super().__init__({"cohort": ngettext(
            "La promotion %(cohort)s est complète : %(enrolled)s inscrit·e pour %(capacity)s place. Cochez « Inscrire "
            "au-delà de la capacité » pour confirmer, ou choisissez une autre promotion.",
            "La promotion %(cohort)s est complète : %(enrolled)s inscrit·es pour %(capacity)s places. Cochez « Inscrire "
            "au-delà de la capacité » pour confirmer, ou choisissez une autre promotion.",
            cohort.capacity,
        ) % {"cohort": cohort.name, "enrolled": enrolled, "capacity": cohort.capacity}})
        self.enrolled = enrolled


def capacity_check(cohort: Cohort, *, over_capacity: bool) -> None:
    """A cohort with a capacity takes learners up to it; beyond, only when the user confirms (CFAs
    often take one more learner, e.g. to replace a likely dropout): ``CohortFull`` otherwise."""
    if cohort.capacity is None or over_capacity:
        return
    enrolled = cohort_enrolled(cohort)
    if enrolled >= cohort.capacity:
        raise CohortFull(cohort, enrolled)


LEGAL_REPRESENTATIVE_FIELDS = ("legal_representative_name", "legal_representative_email", "legal_representative_phone",
                               "legal_representative_address")


@transaction.atomic
def candidate_enrol(
    *, candidate: Candidate, cohort: Cohort, by: User, now: datetime, legal_representative: dict | None = None,
    over_capacity: bool = False,
) -> Apprentice:
    """Admitted → enrolled in ``cohort``: one action creates the apprentice from the candidate's
    identity, status "seeking a company" since the enrolment day (the 3-month horizon of Code du
    travail L6222-12-1 is counted from ``status_since`` by the placement desk and the alert rule),
    copies the CV to the apprentice's documents, and links the candidate to its apprentice record
    (the candidate and its history stay). An archived cohort is refused; a full one needs
    ``over_capacity`` (see ``capacity_check``)."""
    if not can_move(candidate, CandidateStatus.ENROLLED):
        raise ValidationError(_("Seul·e un·e candidat·e admis·e peut être inscrit·e en promotion."))
    if cohort.programme_id != candidate.programme_id:
        raise ValidationError({"cohort": _("Choisissez une promotion de la formation « %(programme)s ».") % {
            "programme": candidate.programme.title}})
    today = timezone.localdate(now)
    if cohort.end_date < today:
        raise ValidationError({"cohort": _("Cette promotion est terminée depuis le %(day)s : choisissez une promotion en cours ou à venir.") % {
            "day": f"{cohort.end_date:%d/%m/%Y}"}})
    # The cohort's row is locked: two enrolments at once cannot both take its last place.
    cohort = Cohort.objects.select_for_update().select_related("programme").get(pk=cohort.pk)
    if cohort.is_archived or cohort.programme.is_archived:
        raise ValidationError({"cohort": _("Cette promotion (ou sa formation) est archivée : choisissez une promotion en cours.")})
    capacity_check(cohort, over_capacity=over_capacity)
    data = {
        "last_name": candidate.last_name, "first_name": candidate.first_name, "sex": candidate.sex,
        "birth_date": candidate.birth_date, "birth_department": candidate.birth_department,
        "birth_commune": candidate.birth_commune, "ine": candidate.ine, "address": candidate.address,
        "postal_code": candidate.postal_code, "city": candidate.city, "phone": candidate.phone, "email": candidate.email,
        "highest_diploma": candidate.last_diploma,
        **{name: (legal_representative or {}).get(name, "") for name in LEGAL_REPRESENTATIVE_FIELDS},
    }
    apprentice = apprentice_enrol(data=data, cohort=cohort, enrolment_date=today, training_start_date=max(today, cohort.start_date))
    _move(candidate, to=CandidateStatus.ENROLLED, by=by, now=now,
          comment=_("Inscrit·e en promotion %(cohort)s.") % {"cohort": cohort.name}, cohort=cohort, apprentice=apprentice)
    if candidate.cv:
        with candidate.cv.open("rb") as handle:
            content = handle.read()
        document_store(content=content, filename=f"cv-{apprentice.pk}.pdf", kind=DocumentKind.OTHER,
                       title=_("CV (candidature)"), apprentice=apprentice, by=by)
    return apprentice


def seeking_horizon(apprentice: Apprentice) -> date:
    """Last day for an enrolled learner without a company to sign a contract: ``status_since`` plus
    the limit the placement desk and the "without company" alert use (3 months, Code du travail
    L6222-12-1; ``RuleSettings.seeking_limit_days``)."""
    from alerts.models import RuleSettings

    row = RuleSettings.objects.filter(pk=1).first() or RuleSettings()
    return apprentice.status_since + timedelta(days=row.seeking_limit_days)


@transaction.atomic
def programme_admissions_set(*, programme: Programme, open_: bool, by: User) -> Programme:
    """Open or close a programme's public application page. Applications already received stay;
    a closed programme only refuses new ones (``candidate_apply``). An archived programme stays closed."""
    if open_ and Programme.objects.filter(pk=programme.pk, archived_at__isnull=False).exists():
        raise ValidationError(_("Cette formation est archivée : restaurez-la depuis sa fiche avant d'ouvrir les candidatures."))
    Programme.objects.filter(pk=programme.pk).update(admissions_open=open_)
    record_update(programme, {"admissions_open": open_}, actor=by)
    programme.refresh_from_db(fields=["admissions_open"])
    return programme
