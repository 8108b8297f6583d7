"""Import of a timetable (issue 19 §1): one training session per row, as ERP planning tools
(Ypareo, Hyperplanning…) export them — cohort, date, start and end, subject, room, trainer, block.

A session is found again by its cohort, date and start time: importing the same file twice
creates nothing, and a later export updates the end, subject, room, trainer and block of the
sessions it names. The rules are those of the screens (``alternance.sessions.services``): the
model's checks (end after start, a staff trainer, a block of the cohort's programme) and no
overlap with another non-cancelled session of the cohort — checked here in memory, against the
database and between the rows of the file, with the services' own predicate and message, so that
the number of queries stays fixed. Like the services, no rule ties the date to the cohort's dates.

A cancelled session at a row's key is left alone and the row is an error: silently counting it
« unchanged » would hide that the timetable still plans it; the person restores it first, or
imports only the valid rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alternance.choices import ImportKind
from alternance.imports import values as v
from alternance.imports.apprentices import ApprenticeImport
from alternance.imports.base import (
    CREATE,
    UNCHANGED,
    UPDATE,
    FieldSpec,
    ImportKindBase,
    RowOutcome,
    bulk_update_rows,
    changed_since,
    record_import,
    snapshot,
)
from alternance.imports.readers import Row
from alternance.models import Cohort, CompetenceBlock, TrainingSession, User
from alternance.models.sessions import TRAINER_ROLES
from alternance.sessions.services import overlap_message, overlaps

F = FieldSpec


def parse_block_code(value) -> str:
    """« RNCP35340BC01 », typed with spaces or in lower case."""
    return v.parse_identifier(value).replace(" ", "").upper()


def parse_trainer_email(value) -> str:
    return v.parse_email(value).lower()


FIELDS: tuple[FieldSpec, ...] = (
    F("cohort", gettext_lazy("Promotion"), v.parse_text, required=True,
      aliases=("groupe", "classe", "promo", "cohorte", "nom promotion", "nom groupe", "groupe classe", "code groupe", "section"),
      help="nom exact de la promotion", example="BTS SIO 2026-2028"),
    F("day", gettext_lazy("Date"), v.parse_date, required=True,
      aliases=("jour", "date seance", "date cours", "date du cours", "date de la seance"), help=v.DATE_HELP, example="07/12/2026"),
    F("start_time", gettext_lazy("Début"), v.parse_time, required=True,
      aliases=("heure debut", "heure de debut", "debut", "debut cours", "h debut"), help=v.TIME_HELP, example="09:00"),
    F("end_time", gettext_lazy("Fin"), v.parse_time, required=True,
      aliases=("heure fin", "heure de fin", "fin cours", "h fin"), help=v.TIME_HELP, example="12:30"),
    F("subject", gettext_lazy("Matière"), v.parse_text, required=True,
      aliases=("cours", "sujet", "intitule", "intitule cours", "module", "enseignement", "matiere enseignee", "libelle"),
      example="Bases de données"),
    F("room", gettext_lazy("Salle"), v.parse_text, aliases=("salle de cours", "lieu", "local"), example="Salle 2"),
    F("trainer", gettext_lazy("Formateur (e-mail)"), parse_trainer_email,
      aliases=("formateur", "intervenant", "email formateur", "mail formateur", "email intervenant", "mail intervenant",
               "enseignant", "professeur", "formateur email", "intervenant email"),
      help="e-mail du compte d'un membre de l'équipe", example="formateur@example.fr"),
    F("competence_block", gettext_lazy("Bloc de compétences (code)"), parse_block_code,
      aliases=("bloc", "code bloc", "bloc de competences", "bloc competences", "code bloc competences"),
      help="code RNCP du bloc, par exemple RNCP35340BC01", example=""),
)

# What a re-import updates on a planned session (its key — cohort, date, start — never changes).
UPDATED_FIELDS = ("end_time", "subject", "room", "trainer", "competence_block")


class _Planned:
    """A row's session as the file describes it (for the checks between rows)."""

    __slots__ = ("row", "day", "start_time", "end_time")

    def __init__(self, row: int, day: date, start: time, end: time):
        self.row, self.day, self.start_time, self.end_time = row, day, start, end


class SessionImport(ImportKindBase):
    kind = ImportKind.SESSIONS
    label = gettext_lazy("Séances (emploi du temps)")
    fields = FIELDS
    layout_help = gettext_lazy(
        "Une ligne par séance : promotion (nom exact), date, heures de début et de fin, matière, et si vous les avez la salle, "
        "l'e-mail du formateur·rice et le code du bloc de compétences. Une séance est retrouvée par sa promotion, sa date et "
        "son heure de début : réimporter l'emploi du temps met à jour les séances sans en créer de doublon. Deux séances "
        "d'une promotion ne peuvent pas se chevaucher ; une séance annulée doit être rétablie avant d'être réimportée."
    )

    def validate(self, rows: list[Row], *, for_write: bool) -> list[RowOutcome]:
        cohorts = {v.fold(c.name): c for c in Cohort.objects.select_related("programme")}
        blocks: dict[int, dict[str, CompetenceBlock]] = defaultdict(dict)
        for block in CompetenceBlock.objects.order_by("order", "code"):
            blocks[block.programme_id][block.code.upper()] = block

        outcomes: list[RowOutcome] = []
        parsed: list[dict] = []
        for row in rows:
            values, errors = self.parse(row)
            outcomes.append(RowOutcome(row=row, errors=errors))
            parsed.append(values)
            if "cohort" in values:
                cohort = cohorts.get(v.fold(values["cohort"]))
                if cohort is None:
                    del values["cohort"]
                    # The apprentices' import's message (the first eight names), the same for both files.
                    message = ApprenticeImport._unknown_cohort(values_cohort=self.raw(row, "cohort"), cohorts=cohorts)
                    errors.append(self.error(row, "cohort", message))
                else:
                    values["cohort"] = cohort
            self.tick(len(outcomes), len(rows) * 2)

        trainers = self._trainers({values["trainer"] for values in parsed if "trainer" in values})
        used = {values["cohort"].pk for values in parsed if "cohort" in values}
        days = [values["day"] for values in parsed if "day" in values and "cohort" in values]
        if for_write and used:
            # The services' lock: the overlap check and the writes happen under it (a no-op on SQLite).
            list(Cohort.objects.select_for_update().filter(pk__in=sorted(used)).values_list("pk", flat=True))
        existing: dict[tuple, TrainingSession] = {}
        stored_by_day: dict[tuple, list[TrainingSession]] = defaultdict(list)
        if used and days:
            stored = TrainingSession.objects.filter(cohort_id__in=used, day__range=(min(days), max(days)))
            # The model's checks read the trainer's role and the block's programme: no query per row.
            for session in stored.select_related("trainer", "competence_block").order_by("start_time", "pk"):
                existing[(session.cohort_id, session.day, session.start_time)] = session
                if not session.is_cancelled:
                    stored_by_day[(session.cohort_id, session.day)].append(session)

        # Which key each row has, and which stored sessions the file describes again (their new
        # times are those of their row: they are checked as rows, not as they are stored).
        first_row_of_key: dict[tuple, int] = {}
        keys: list[tuple | None] = []
        for outcome, values in zip(outcomes, parsed, strict=True):
            key = None
            if {"cohort", "day", "start_time"} <= values.keys():
                key = (values["cohort"].pk, values["day"], values["start_time"])
                if key in first_row_of_key:
                    outcome.errors.append(self.error(outcome.row, "start_time", _(
                        "la ligne %(first)s décrit déjà la séance de cette promotion le %(day)s à %(start)s : "
                        "gardez une seule ligne par séance."
                    ) % {"first": first_row_of_key[key], "day": f"{key[1]:%d/%m/%Y}", "start": f"{key[2]:%H:%M}"}))
                    key = None
                else:
                    first_row_of_key[key] = outcome.row.number
            keys.append(key)
        described = {existing[key].pk for key in keys if key in existing}

        planned_by_day: dict[tuple, list[_Planned]] = defaultdict(list)
        now = timezone.now()
        for index, (outcome, values, key) in enumerate(zip(outcomes, parsed, keys, strict=True)):
            self._resolve(outcome, values, trainers, blocks)
            session = existing.get(key) if key else None
            if session is not None and session.is_cancelled:
                outcome.errors.append(self.error(outcome.row, "start_time", _(
                    "la séance de cette promotion le %(day)s à %(start)s est annulée (%(reason)s) : rétablissez-la "
                    "depuis son planning avant de la réimporter, ou retirez cette ligne du fichier."
                ) % {"day": f"{session.day:%d/%m/%Y}", "start": f"{session.start_time:%H:%M}", "reason": session.cancel_reason}))
                continue
            if key and "end_time" in values and values["end_time"] > values["start_time"]:
                self._check_overlap(outcome, values, key, described, stored_by_day, planned_by_day)
            if key is None or not {"end_time", "subject"} <= values.keys():
                continue
            if session is None:
                self._plan_create(outcome, values, now)
            else:
                self._plan_update(outcome, values, session, now)
            self.tick(len(rows) + index + 1, len(rows) * 2)
        return outcomes

    @staticmethod
    def _trainers(emails: set[str]) -> dict[str, User]:
        """The accounts of the e-mails of the file, whatever their role (to tell « unknown » from « not staff »)."""
        found: dict[str, User] = {}
        ordered = sorted(emails)
        for start in range(0, len(ordered), 500):
            for user in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=ordered[start:start + 500]):
                # An active staff account wins over another account with the same e-mail.
                if user.email_lower not in found or (user.is_active and user.role in TRAINER_ROLES):
                    found[user.email_lower] = user
        return found

    def _resolve(self, outcome: RowOutcome, values: dict, trainers: dict[str, User], blocks: dict) -> None:
        """The trainer's account and the block of the cohort's programme, or an error on their column."""
        row = outcome.row
        if "trainer" in values:
            email = values["trainer"]
            user = trainers.get(email)
            if user is None:
                outcome.errors.append(self.error(row, "trainer", _(
                    "aucun compte n'a l'e-mail %(email)s : indiquez l'e-mail du compte du formateur·rice, "
                    "ou créez son compte avant l'import."
                ) % {"email": email}))
                del values["trainer"]
            elif not user.is_active or user.role not in TRAINER_ROLES:
                outcome.errors.append(self.error(row, "trainer", _(
                    "le compte %(email)s n'est pas celui d'un membre actif de l'équipe du centre (coordination, "
                    "administration, chargé·e de relations entreprises ou référent·e) : indiquez l'e-mail du formateur·rice."
                ) % {"email": email}))
                del values["trainer"]
            else:
                values["trainer"] = user
        if "competence_block" in values and "cohort" in values:
            cohort = values["cohort"]
            code = values["competence_block"]
            programme_blocks = blocks.get(cohort.programme_id, {})
            block = programme_blocks.get(code)
            if block is None:
                if programme_blocks:
                    message = _(
                        "la formation de la promotion « %(cohort)s » n'a pas de bloc « %(code)s » : écrivez l'un de ses codes (%(codes)s)."
                    ) % {"cohort": cohort.name, "code": code, "codes": ", ".join(programme_blocks)}
                else:
                    message = _(
                        "la formation de la promotion « %(cohort)s » n'a aucun bloc de compétences : laissez la cellule vide."
                    ) % {"cohort": cohort.name}
                outcome.errors.append(self.error(row, "competence_block", message))
                del values["competence_block"]
            else:
                values["competence_block"] = block

    def _check_overlap(self, outcome: RowOutcome, values: dict, key: tuple, described: set[int],
                       stored_by_day: dict, planned_by_day: dict) -> None:
        """No overlap with a stored non-cancelled session of the cohort (other than those the file
        describes again), nor with an earlier row of the file: the error is on the later row."""
        start, end = values["start_time"], values["end_time"]
        cohort_day = (key[0], key[1])
        for session in stored_by_day.get(cohort_day, ()):
            if session.pk not in described and overlaps(start, end, session.start_time, session.end_time):
                outcome.errors.append(self.error(outcome.row, "start_time", overlap_message(session)))
                return
        for earlier in planned_by_day.get(cohort_day, ()):
            if overlaps(start, end, earlier.start_time, earlier.end_time):
                outcome.errors.append(self.error(outcome.row, "start_time", _(
                    "la séance chevauche celle de la ligne %(first)s (le %(day)s de %(start)s à %(end)s) : changez l'heure ou la date."
                ) % {"first": earlier.row, "day": f"{earlier.day:%d/%m/%Y}", "start": f"{earlier.start_time:%H:%M}",
                     "end": f"{earlier.end_time:%H:%M}"}))
                return
        planned_by_day[cohort_day].append(_Planned(outcome.row.number, key[1], start, end))

    def _clean(self, outcome: RowOutcome, session: TrainingSession) -> bool:
        """The model's rules (end after start, staff trainer, block of the programme) without a query:
        the foreign keys were found above, the overlap is checked in memory."""
        skip = ["cohort", "trainer", "competence_block", "created_by"]
        try:
            session.full_clean(exclude=skip, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            outcome.errors.extend(self.model_errors(outcome.row, error))
        return outcome.ok

    def _plan_create(self, outcome: RowOutcome, values: dict, now) -> None:
        session = TrainingSession(
            cohort=values["cohort"], day=values["day"], start_time=values["start_time"], end_time=values["end_time"],
            subject=values["subject"], room=values.get("room", ""), trainer=values.get("trainer"),
            competence_block=values.get("competence_block"), created_by=self.by, created_at=now, updated_at=now,
        )
        if self._clean(outcome, session):
            outcome.action, outcome.payload = CREATE, session

    def _plan_update(self, outcome: RowOutcome, values: dict, session: TrainingSession, now) -> None:
        """The mapped cells replace the stored values; an unmapped or empty optional cell keeps them
        (like the other imports: an empty cell never erases)."""
        before = session.history_before = snapshot(session)
        session.cohort = values["cohort"]  # the same row, already loaded with its programme
        for name in UPDATED_FIELDS:
            if name in values:
                setattr(session, name, values[name])
        if not self._clean(outcome, session):
            return
        fields = changed_since(session, before)
        if not fields:
            outcome.action = UNCHANGED
            return
        session.updated_at = now
        outcome.action, outcome.payload = UPDATE, (session, tuple(sorted(fields)))

    def write(self, outcomes: list[RowOutcome]) -> None:
        created = [o.payload for o in outcomes if o.action == CREATE]
        TrainingSession.objects.bulk_create(created, batch_size=self.batch_size)
        by_fields: dict[tuple, list[TrainingSession]] = defaultdict(list)
        for outcome in outcomes:
            if outcome.action == UPDATE:
                session, fields = outcome.payload
                by_fields[fields].append(session)
        for fields, sessions in by_fields.items():
            bulk_update_rows(TrainingSession, sessions, [*fields, "updated_at"], batch_size=self.batch_size)
        # Bulk writes send no signal: the history of changes is written here (issue 13 §4).
        record_import(self.by, created=created,
                      updated=[(session, fields) for fields, sessions in by_fields.items() for session in sessions])

