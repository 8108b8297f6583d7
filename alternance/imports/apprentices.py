"""Import of apprentices: one row per learner, with the identity the Cerfa asks for.

Natural key: the INE when the row has one, else the e-mail (case-insensitive). A row whose INE is
not known yet but whose e-mail is that of a learner without an INE updates that learner (its INE
is then recorded). The cohort is named by its exact name (case and accents ignored).

Validation is the model's (``full_clean()``: identifier formats, dates in order, legal
representative of a minor…) on every row, with the existing learners and cohorts read in bulk
beforehand; the writes are ``bulk_create`` / ``bulk_update`` in batches — a few dozen queries for
10 000 rows (see ``benchmark_import``). An empty cell never erases a stored value.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alternance.choices import (
    ApprenticeStatus,
    DiplomaCode,
    ImportKind,
    Nationality,
    SituationBeforeContract,
    SocialRegime,
)
from alternance.imports import values as v
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
from alternance.models import Apprentice, Cohort
from alternance.planning import free_period
from contracts import opco_board

F = FieldSpec
DATE_HELP = "JJ/MM/AAAA"
BOOL_HELP = "Oui / Non"

FIELDS: tuple[FieldSpec, ...] = (
    F("ine", gettext_lazy("INE"), v.parse_ine, aliases=("ine apprenant", "ine apprenti", "identifiant national etudiant",
                                                         "identifiant national eleve", "ine eleve", "code ine"),
      help="11 caractères", example="1234567890A"),
    F("last_name", gettext_lazy("Nom de naissance"), v.parse_text, required=True,
      aliases=("nom", "nom naissance", "nom apprenti", "nom apprenant", "nom_apprenant", "nom famille", "nom eleve",
               "nom stagiaire", "last name", "nom patronymique"), example="Martin"),
    F("usage_name", gettext_lazy("Nom d'usage"), v.parse_text, aliases=("nom usage", "nom marital", "nom d usage"), example=""),
    F("first_name", gettext_lazy("Prénom"), v.parse_text, required=True,
      aliases=("premier prenom", "prenom apprenti", "prenom apprenant", "prenom_apprenant", "prenom eleve", "first name",
               "prenom usuel"), example="Léa"),
    F("sex", gettext_lazy("Sexe"), v.parse_sex, required=True, aliases=("genre", "civilite", "sexe apprenant", "sexe_apprenant"),
      help="M ou F", example="F"),
    F("birth_date", gettext_lazy("Date de naissance"), v.parse_date, required=True,
      aliases=("naissance", "ne le", "nee le", "ne e le", "date_de_naissance_apprenant", "ddn", "date naissance apprenant"),
      help=DATE_HELP, example="14/03/2005"),
    F("birth_department", gettext_lazy("Département de naissance"), v.parse_department, required=True,
      aliases=("dept naissance", "departement naissance", "code departement naissance", "code_postal_de_naissance_apprenant",
               "code postal naissance"),
      help="75, 2A, 974 ou 99 (étranger)", example="75"),
    F("birth_commune", gettext_lazy("Commune de naissance"), v.parse_text, required=True,
      aliases=("ville naissance", "lieu naissance", "commune naissance"), example="Paris"),
    F("nationality", gettext_lazy("Nationalité"), v.choice_parser(Nationality, what="« Nationalité »", synonyms={
        "francaise": 1, "francais": 1, "france": 1, "fr": 1, "ue": 2, "union europeenne": 2, "europeenne": 2, "europeen": 2,
        "hors ue": 3, "etrangere": 3, "etranger": 3, "hors union europeenne": 3}),
      aliases=("nationalite apprenant", "code nationalite"), help="1 Française, 2 UE, 3 hors UE", example="1"),
    F("social_regime", gettext_lazy("Régime social"), v.choice_parser(SocialRegime, what="« Régime social »", synonyms={
        "regime general": 2, "general": 2, "agricole": 1, "mutualite sociale agricole": 1}),
      aliases=("regime securite sociale", "regime"), help="1 MSA, 2 URSSAF", example="2"),
    F("nir", gettext_lazy("NIR"), v.parse_nir,
      aliases=("numero securite sociale", "securite sociale", "numero secu", "n secu", "secu", "nir apprenant",
               "numero inscription repertoire", "numero ss"),
      help="15 caractères, clé comprise", example="", sensitive=True),
    F("address", gettext_lazy("Adresse"), v.parse_text, required=True,
      aliases=("adresse apprenant", "adresse_apprenant", "adresse postale", "rue", "adresse 1", "adresse ligne 1", "voie"),
      example="12 rue des Lilas"),
    F("postal_code", gettext_lazy("Code postal"), v.parse_postal_code, required=True,
      aliases=("cp", "code_postal_apprenant", "code postal apprenant"), help="5 chiffres", example="75011"),
    F("city", gettext_lazy("Commune"), v.parse_text, required=True, aliases=("ville", "localite", "commune apprenant", "ville apprenant"),
      example="Paris"),
    F("phone", gettext_lazy("Téléphone"), v.parse_phone,
      aliases=("tel", "tel_apprenant", "telephone apprenant", "portable", "mobile", "telephone portable", "tel portable"),
      example="06 12 34 56 78"),
    F("email", gettext_lazy("E-mail"), v.parse_email, required=True,
      aliases=("email", "mail", "courriel", "adresse email", "adresse mail", "adresse e mail", "email_contact",
               "email apprenant", "mail apprenant", "adresse electronique", "e mail apprenant"),
      example="lea.martin@example.fr"),
    F("rqth", gettext_lazy("RQTH"), v.parse_bool, aliases=("rqth apprenant", "rqth_apprenant", "travailleur handicape",
                                                            "reconnaissance qualite travailleur handicape"),
      help=BOOL_HELP, example="Non"),
    F("rqth_date", gettext_lazy("Date de la RQTH"), v.parse_date, aliases=("date rqth", "date_rqth_apprenant"), help=DATE_HELP),
    F("top_athlete", gettext_lazy("Sportif de haut niveau"), v.parse_bool, aliases=("sportif haut niveau", "shn"), help=BOOL_HELP),
    F("business_project", gettext_lazy("Projet de création ou de reprise d'entreprise"), v.parse_bool,
      aliases=("projet creation entreprise", "projet creation reprise entreprise", "projet entreprise"), help=BOOL_HELP),
    F("emancipated", gettext_lazy("Mineur émancipé"), v.parse_bool, aliases=("emancipe", "mineur emancipe"), help=BOOL_HELP),
    F("legal_representative_name", gettext_lazy("Représentant légal (nom et prénom)"), v.parse_text,
      aliases=("representant legal", "nom representant legal", "responsable legal", "nom responsable legal")),
    F("legal_representative_address", gettext_lazy("Adresse du représentant légal"), v.parse_text,
      aliases=("adresse representant legal", "adresse responsable legal")),
    F("legal_representative_email", gettext_lazy("E-mail du représentant légal"), v.parse_email,
      aliases=("email representant legal", "mail representant legal", "responsable_apprenant_mail1", "email responsable legal",
               "courriel representant legal")),
    F("legal_representative_phone", gettext_lazy("Téléphone du représentant légal"), v.parse_phone,
      aliases=("telephone representant legal", "tel representant legal", "tel responsable legal")),
    F("situation_before_contract", gettext_lazy("Situation avant le contrat"),
      v.choice_parser(SituationBeforeContract, what="« Situation avant le contrat » (codes Cerfa 1 à 12)"),
      aliases=("situation avant contrat", "situation avant ce contrat", "derniere situation"), help="code Cerfa 1 à 12"),
    F("last_diploma_prepared", gettext_lazy("Dernier diplôme préparé"),
      v.choice_parser(DiplomaCode, what="« Diplôme » (codes Cerfa)"), aliases=("dernier diplome prepare",),
      help="code Cerfa, par exemple 41 (bac pro)"),
    F("last_class", gettext_lazy("Dernière classe suivie"), v.parse_identifier,
      aliases=("derniere classe", "derniere annee suivie", "derniere classe annee suivie"), help="code Cerfa sur 2 caractères"),
    F("highest_diploma", gettext_lazy("Diplôme le plus élevé obtenu"),
      v.choice_parser(DiplomaCode, what="« Diplôme » (codes Cerfa)"), aliases=("diplome plus eleve", "plus haut diplome",
                                                                               "diplome plus eleve obtenu"),
      help="code Cerfa, par exemple 42 (bac général)"),
    F("cohort", gettext_lazy("Promotion"), v.parse_text, required=True,
      aliases=("promo", "cohorte", "groupe", "classe", "nom promotion", "promotion apprenant"), help="nom exact de la promotion",
      example="BTS SIO 2026-2028"),
    F("enrolment_date", gettext_lazy("Date d'inscription"), v.parse_date,
      aliases=("date inscription", "date_inscription_formation", "inscrit le", "date inscription formation"),
      help="JJ/MM/AAAA ; par défaut la date d'entrée en formation", example="01/07/2026"),
    F("training_start_date", gettext_lazy("Date d'entrée en formation"), v.parse_date,
      aliases=("date entree formation", "date_entree_formation", "entree formation", "debut formation", "date debut formation"),
      help="JJ/MM/AAAA ; par défaut le début de la promotion", example="01/09/2026"),
)

# Attributes compared and written as they are (the NIR and the cohort are handled apart).
PLAIN_FIELDS = tuple(spec.name for spec in FIELDS if spec.name not in ("nir", "cohort"))
# On a new learner an unmapped or empty boolean is False (the model's default).


class ApprenticeImport(ImportKindBase):
    kind = ImportKind.APPRENTICES
    label = gettext_lazy("Apprenti·es")
    fields = FIELDS
    layout_help = gettext_lazy(
        "Une ligne par apprenti·e. La personne est retrouvée par son INE s'il est renseigné, sinon par son e-mail : "
        "réimporter le même fichier met à jour les fiches sans créer de doublon. La promotion est désignée par son nom exact."
    )

    def validate(self, rows: list[Row], *, for_write: bool) -> list[RowOutcome]:
        cohorts = {v.fold(c.name): c for c in Cohort.objects.all()}
        by_ine: dict[str, int] = {}
        by_email: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for pk, ine, email in Apprentice.objects.values_list("pk", "ine", "email"):
            if ine:
                by_ine[ine] = pk
            by_email[email.strip().lower()].append((pk, ine))

        outcomes: list[RowOutcome] = []
        parsed: list[dict] = []
        first_row_of_key: dict[tuple, int] = {}
        email_rows: dict[str, tuple[int, str]] = {}
        row_of_pk: dict[int, int] = {}
        blocked: set[int] = set()  # rows whose identity is in doubt: no model check on them
        for row in rows:
            values, errors = self.parse(row)
            outcome = RowOutcome(row=row, errors=errors)
            outcomes.append(outcome)
            parsed.append(values)
            if "cohort" in values:
                cohort = cohorts.get(v.fold(values["cohort"]))
                if cohort is None:
                    del values["cohort"]
                    errors.append(self.error(row, "cohort", self._unknown_cohort(values_cohort=self.raw(row, "cohort"), cohorts=cohorts)))
                else:
                    values["cohort"] = cohort
            ine, email = values.get("ine", ""), values.get("email", "").lower()
            # Duplicates inside the file: the same person twice would be created twice.
            key = ("ine", ine) if ine else ("email", email)
            if key[1] and key in first_row_of_key:
                errors.append(self.error(row, "ine" if ine else "email", _(
                    "cette personne figure déjà ligne %(first)s (même %(what)s) : gardez une seule ligne par apprenti·e."
                ) % {"first": first_row_of_key[key], "what": "INE" if ine else _("e-mail")}))
                blocked.add(row.number)
                continue
            if email and email in email_rows:
                first, first_ine = email_rows[email]
                if not (ine and first_ine and ine != first_ine):
                    errors.append(self.error(row, "email", _(
                        "cet e-mail est déjà celui de la ligne %(first)s : une même personne ne peut figurer qu'une fois "
                        "(indiquez l'INE de chacun·e si ce sont deux personnes différentes)."
                    ) % {"first": first}))
                    blocked.add(row.number)
                    continue
            if key[1]:
                first_row_of_key[key] = row.number
            if email:
                email_rows.setdefault(email, (row.number, ine))
            # Which stored learner this row is.
            problems = len(errors)
            outcome.payload = self._match(row, ine, email, by_ine, by_email, errors)
            if isinstance(outcome.payload, int):
                if outcome.payload in row_of_pk:
                    errors.append(self.error(row, "email", _("cette ligne désigne le même apprenti·e que la ligne %(first)s.")
                                             % {"first": row_of_pk[outcome.payload]}))
                row_of_pk.setdefault(outcome.payload, row.number)
            if len(errors) > problems:
                blocked.add(row.number)
            self.tick(len(outcomes), len(rows) * 2)

        existing = self._load({o.payload for o in outcomes if isinstance(o.payload, int)}, for_write=for_write)
        now = timezone.now()
        for index, (outcome, values) in enumerate(zip(outcomes, parsed, strict=True)):
            pk = outcome.payload if isinstance(outcome.payload, int) else None
            outcome.payload = None
            if outcome.row.number in blocked:
                continue
            # The model's checks run even when some cells were unreadable, so that the person
            # gets every problem of the row at once; the unreadable cells are left out of them.
            bad = self.bad_fields(outcome.row, values)
            if "cohort" in bad:
                bad |= {"training_start_date", "enrolment_date", "status_since"}
            if pk is None:
                self._plan_create(outcome, values, bad)
            else:
                self._plan_update(outcome, values, existing[pk], now, bad)
            self.tick(len(rows) + index + 1, len(rows) * 2)
        return outcomes

    @staticmethod
    def _unknown_cohort(*, values_cohort, cohorts: dict) -> str:
        names = sorted(c.name for c in cohorts.values())
        listing = ", ".join(f"« {name} »" for name in names[:8]) + (" …" if len(names) > 8 else "")
        if not names:
            return _("aucune promotion n'existe encore : créez d'abord la promotion « %(value)s », puis relancez l'import.") % {
                "value": v.shown(values_cohort)}
        return _("aucune promotion ne s'appelle « %(value)s » : écrivez le nom exact d'une promotion existante (%(listing)s).") % {
            "value": v.shown(values_cohort), "listing": listing}

    def _match(self, row: Row, ine: str, email: str, by_ine: dict, by_email: dict, errors: list) -> int | None:
        if ine and ine in by_ine:
            return by_ine[ine]
        candidates = by_email.get(email, []) if email else []
        if ine:
            without_ine = [pk for pk, stored_ine in candidates if not stored_ine]
            if len(without_ine) == 1:
                return without_ine[0]
            if candidates and not without_ine:
                errors.append(self.error(row, "ine", _(
                    "l'e-mail %(email)s est celui d'un·e apprenti·e enregistré·e avec un autre INE (%(other)s) : "
                    "vérifiez l'INE, ou l'e-mail s'il s'agit d'une autre personne."
                ) % {"email": email, "other": candidates[0][1]}))
            elif len(without_ine) > 1:
                errors.append(self.error(row, "email", _(
                    "plusieurs apprenti·es sans INE ont l'e-mail %(email)s : corrigez les doublons sur leurs fiches avant l'import."
                ) % {"email": email}))
            return None
        if len(candidates) > 1:
            errors.append(self.error(row, "email", _(
                "plusieurs apprenti·es ont l'e-mail %(email)s : ajoutez la colonne INE pour désigner la bonne personne."
            ) % {"email": email}))
            return None
        return candidates[0][0] if candidates else None

    @staticmethod
    def _load(pks: set[int], *, for_write: bool) -> dict[int, Apprentice]:
        found: dict[int, Apprentice] = {}
        ordered = sorted(pks)
        for start in range(0, len(ordered), 500):
            qs = Apprentice.objects.filter(pk__in=ordered[start:start + 500])
            if for_write:
                qs = qs.select_for_update()
            found.update({a.pk: a for a in qs})
        return found

    def _clean(self, outcome: RowOutcome, apprentice: Apprentice, nir: str | None, bad: set[str]) -> bool:
        """The model's rules on the row (no query); errors land on their columns."""
        skip = {"cohort", "user"} | bad
        try:
            apprentice.full_clean(exclude=sorted(skip), validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            outcome.errors.extend(self.model_errors(outcome.row, error, skip=skip))
        if nir is not None:
            apprentice.set_nir(nir)  # parse_nir has already checked it (format and key)
        return outcome.ok

    def _plan_create(self, outcome: RowOutcome, values: dict, bad: set[str]) -> None:
        attrs = {name: values[name] for name in PLAIN_FIELDS if name in values}
        cohort = values.get("cohort")
        training_start = attrs.get("training_start_date") or (cohort.start_date if cohort else None)
        attrs["training_start_date"] = training_start
        attrs.setdefault("enrolment_date", training_start)
        apprentice = Apprentice(**attrs, cohort=cohort, status=ApprenticeStatus.SEEKING, status_since=training_start)
        if self._clean(outcome, apprentice, values.get("nir"), bad):
            outcome.action, outcome.payload = CREATE, apprentice

    def _plan_update(self, outcome: RowOutcome, values: dict, apprentice: Apprentice, now, bad: set[str]) -> None:
        before = apprentice.history_before = snapshot(apprentice)  # what the history of changes compares
        for name in PLAIN_FIELDS:
            if name in values:
                setattr(apprentice, name, values[name])
        if "cohort" in values:
            apprentice.cohort = values["cohort"]
        nir = values.get("nir")
        if nir is not None and apprentice.has_nir and apprentice.get_nir() == nir:
            nir = None  # the same NIR: re-encrypting it would look like a change
        if not self._clean(outcome, apprentice, nir, bad):
            return
        fields = changed_since(apprentice, before)
        if not fields:
            outcome.action = UNCHANGED
            return
        apprentice.updated_at = now
        outcome.action, outcome.payload = UPDATE, (apprentice, tuple(sorted(fields)))

    def write(self, outcomes: list[RowOutcome]) -> None:
        created = [o.payload for o in outcomes if o.action == CREATE]
        Apprentice.objects.bulk_create(created, batch_size=self.batch_size)
        by_fields: dict[tuple, list[Apprentice]] = defaultdict(list)
        for outcome in outcomes:
            if outcome.action == UPDATE:
                apprentice, fields = outcome.payload
                by_fields[fields].append(apprentice)
        for fields, apprentices in by_fields.items():
            bulk_update_rows(Apprentice, apprentices, [*fields, "updated_at"], batch_size=self.batch_size)
        # A learner moved to another cohort has another rhythm: its contracts' 45th company day.
        free_period.refresh_apprentices(
            apprentice.pk for fields, apprentices in by_fields.items() if "cohort" in fields for apprentice in apprentices
        )
        # A renamed learner moves on the OPCO board (ordered by name).
        opco_board.changed(apprentice_ids=[
            apprentice.pk for fields, apprentices in by_fields.items() if {"last_name", "first_name"} & set(fields)
            for apprentice in apprentices
        ])
        # Bulk writes send no signal: the history of changes is written here (issue 13 §4).
        record_import(self.by, created=created,
                      updated=[(apprentice, fields) for fields, apprentices in by_fields.items() for apprentice in apprentices])
