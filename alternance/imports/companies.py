"""Import of companies and their contacts (employer representative, maître d'apprentissage, HR).

Layout: **one row per contact, the company's columns repeated on each of its rows** (as an
export of a CRM or an ERP gives them). A row whose contact columns are empty imports the company
alone. On the rows of one company, a company cell may be left empty (e.g. under merged cells):
the first filled value is used; two different filled values are an error on the later row.

Natural keys: the company's SIRET (spaces and dots removed), a contact's e-mail within its
company (case-insensitive). The OPCO follows from the IDCC as everywhere else. Validation is
the models' (``full_clean()``); companies and contacts are read and written in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alternance.choices import ImportKind, QualificationLevel, Role
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
from alternance.models import User
from companies.choices import EmployerType, SpecificEmployer
from companies.models import Company, CompanyContact
from contracts import opco_board

F = FieldSpec
BOOL_HELP = "Oui / Non"

COMPANY_FIELDS: tuple[FieldSpec, ...] = (
    F("siret", gettext_lazy("SIRET"), v.parse_siret, required=True,
      aliases=("siret entreprise", "siret employeur", "siret_employeur", "siret etablissement", "numero siret", "n siret",
               "siret etablissement execution"),
      help="14 chiffres", example="732 829 320 00074"),
    F("name", gettext_lazy("Raison sociale"), v.parse_text, required=True,
      aliases=("nom entreprise", "entreprise", "denomination", "denomination sociale", "societe", "employeur",
               "nom employeur", "nom etablissement", "etablissement", "raison sociale employeur"),
      example="Boulangerie du Marché"),
    F("is_public", gettext_lazy("Employeur public"), v.parse_bool, aliases=("public", "secteur public", "employeur public prive"),
      help=BOOL_HELP, example="Non"),
    F("employer_type", gettext_lazy("Type d'employeur"), v.choice_parser(EmployerType, what="« Type d'employeur » (codes Cerfa)"),
      aliases=("type employeur", "code type employeur"), help="code Cerfa 11 à 30", example="12"),
    F("specific_employer", gettext_lazy("Employeur spécifique"),
      v.choice_parser(SpecificEmployer, what="« Employeur spécifique » (codes Cerfa)", synonyms={"aucun": 0, "non": 0}),
      aliases=("employeur specifique", "code employeur specifique"), help="code Cerfa 0 à 4", example="0"),
    F("naf_code", gettext_lazy("Code NAF"), v.parse_identifier, required=True,
      aliases=("naf", "code ape", "ape", "naf ape", "code naf ape", "activite principale", "code activite"),
      help="4 chiffres et une lettre, par exemple 62.01Z", example="10.71C"),
    F("idcc", gettext_lazy("IDCC"), v.parse_identifier, required=True,
      aliases=("code idcc", "convention collective", "ccn", "idcc convention collective", "numero idcc", "idcc employeur"),
      help="1 à 4 chiffres, 9999 si aucune", example="843"),
    F("headcount", gettext_lazy("Effectif"), v.parse_int, aliases=("effectif total", "nombre salaries", "effectif entreprise",
                                                                   "nb salaries"), example="12"),
    F("address", gettext_lazy("Adresse"), v.parse_text, required=True,
      aliases=("adresse entreprise", "adresse etablissement", "adresse employeur", "rue", "adresse 1", "adresse ligne 1"),
      example="3 place du Marché"),
    F("postal_code", gettext_lazy("Code postal"), v.parse_postal_code, required=True,
      aliases=("cp", "code postal entreprise", "code postal employeur"), help="5 chiffres", example="69003"),
    F("city", gettext_lazy("Commune"), v.parse_text, required=True, aliases=("ville", "localite", "ville entreprise", "commune entreprise"),
      example="Lyon"),
    F("phone", gettext_lazy("Téléphone de l'entreprise"), v.parse_phone,
      aliases=("telephone", "tel", "telephone entreprise", "tel entreprise", "telephone employeur", "standard"), example="04 78 00 00 00"),
    F("email", gettext_lazy("E-mail de l'entreprise"), v.parse_email,
      aliases=("email entreprise", "e mail entreprise", "mail entreprise", "courriel entreprise", "email employeur"),
      example="contact@boulangerie-marche.fr"),
    F("owner_cre", gettext_lazy("CRE référent·e (e-mail)"), v.parse_email,
      aliases=("cre", "cre referent", "cre referente", "email cre", "charge relations entreprises", "referent entreprise"),
      help="e-mail du compte CRE", example=""),
)

CONTACT_FIELDS: tuple[FieldSpec, ...] = (
    F("contact_last_name", gettext_lazy("Nom du contact"), v.parse_text,
      aliases=("nom", "nom contact", "contact nom", "nom ma", "nom maitre apprentissage", "nom tuteur", "nom interlocuteur"),
      example="Fournier"),
    F("contact_first_name", gettext_lazy("Prénom du contact"), v.parse_text,
      aliases=("prenom", "prenom contact", "contact prenom", "prenom ma", "prenom maitre apprentissage", "prenom tuteur",
               "prenom interlocuteur"), example="Odile"),
    F("contact_email", gettext_lazy("E-mail du contact"), v.parse_email,
      aliases=("email", "e mail", "mail", "courriel", "email contact", "e mail contact", "mail contact", "courriel contact",
               "email ma", "email maitre apprentissage", "email tuteur", "adresse email"),
      help="sert à retrouver le contact", example="odile.fournier@boulangerie-marche.fr"),
    F("contact_phone", gettext_lazy("Téléphone du contact"), v.parse_phone,
      aliases=("telephone contact", "tel contact", "portable contact", "mobile contact", "telephone ma", "portable", "mobile"),
      example="06 11 22 33 44"),
    F("contact_job_title", gettext_lazy("Emploi occupé"), v.parse_text,
      aliases=("fonction", "poste", "emploi", "fonction contact", "poste contact", "emploi occupe ma", "intitule poste"),
      example="Cheffe boulangère"),
    F("contact_roles", gettext_lazy("Rôles du contact"), v.parse_text,
      # "Rôle(s) du contact" was this column's name in earlier templates: files made from them still map.
      aliases=("role", "roles", "role contact", "role s contact", "qualite", "qualite contact", "type contact"),
      help="MA, RH, Représentant — plusieurs séparés par des virgules", example="MA, Représentant"),
    F("contact_is_employer_representative", gettext_lazy("Représentant de l'employeur"), v.parse_bool,
      aliases=("representant employeur", "representant", "signataire"), help=BOOL_HELP),
    F("contact_is_master", gettext_lazy("Maître d'apprentissage"), v.parse_bool,
      aliases=("maitre apprentissage", "ma", "tuteur", "est maitre apprentissage"), help=BOOL_HELP),
    F("contact_is_hr", gettext_lazy("Ressources humaines"), v.parse_bool, aliases=("rh", "contact rh"), help=BOOL_HELP),
    F("contact_birth_date", gettext_lazy("Date de naissance du contact"), v.parse_date,
      aliases=("date naissance", "date naissance ma", "date naissance contact", "date naissance maitre apprentissage",
               "date naissance tuteur", "ne le"),
      help="JJ/MM/AAAA (obligatoire pour un MA)", example="12/05/1980"),
    F("contact_highest_diploma", gettext_lazy("Diplôme le plus élevé du contact"), v.parse_text,
      aliases=("diplome", "diplome ma", "diplome plus eleve", "diplome plus eleve obtenu", "diplome contact"),
      example="BP Boulanger"),
    F("contact_diploma_level", gettext_lazy("Niveau de ce diplôme"),
      v.choice_parser(QualificationLevel, what="« Niveau » (0, 3 à 8)"),
      aliases=("niveau diplome", "niveau", "niveau diplome ma"), help="0 ou 3 à 8", example="4"),
    F("contact_experience_years", gettext_lazy("Années d'expérience"), v.parse_int,
      aliases=("experience", "annees experience", "nombre annees experience", "experience ma"), example="15"),
    F("contact_eligibility_statement", gettext_lazy("Attestation d'éligibilité du MA"), v.parse_bool,
      aliases=("attestation eligibilite", "attestation employeur", "eligibilite ma", "ma eligible"), help=BOOL_HELP, example="Oui"),
)

COMPANY_NAMES = tuple(spec.name for spec in COMPANY_FIELDS)
CONTACT_NAMES = tuple(spec.name for spec in CONTACT_FIELDS)
CONTACT_ATTRS = {  # contact field → CompanyContact attribute
    "contact_last_name": "last_name", "contact_first_name": "first_name", "contact_email": "email", "contact_phone": "phone",
    "contact_job_title": "job_title", "contact_is_employer_representative": "is_employer_representative",
    "contact_is_master": "is_master", "contact_is_hr": "is_hr", "contact_birth_date": "birth_date",
    "contact_highest_diploma": "highest_diploma", "contact_diploma_level": "diploma_level",
    "contact_experience_years": "experience_years", "contact_eligibility_statement": "eligibility_statement",
}
ROLE_WORDS = {
    "ma": "is_master", "maitre apprentissage": "is_master", "maitre d apprentissage": "is_master", "tuteur": "is_master",
    "tutrice": "is_master", "maitre": "is_master",
    "rh": "is_hr", "ressources humaines": "is_hr", "drh": "is_hr",
    "representant": "is_employer_representative", "representant employeur": "is_employer_representative",
    "representant de l employeur": "is_employer_representative", "employeur": "is_employer_representative",
    "dirigeant": "is_employer_representative", "gerant": "is_employer_representative", "gerante": "is_employer_representative",
    "signataire": "is_employer_representative", "directeur": "is_employer_representative",
    "directrice": "is_employer_representative",
}


def parse_roles(text: str) -> set[str]:
    """« MA, RH » → {"is_master", "is_hr"}; raises CellError for a word it does not know."""
    import re

    roles = set()
    for part in re.split(r"[,;/+&]|\bet\b", str(text)):
        word = v.fold(part)
        if not word:
            continue
        if word not in ROLE_WORDS:
            raise v.CellError(_("« %(value)s » : rôle inconnu. Écrivez MA (maître d'apprentissage), RH ou Représentant, "
                                "séparés par des virgules.") % {"value": part.strip()})
        roles.add(ROLE_WORDS[word])
    return roles


@dataclass
class CompanyGroup:
    siret: str
    rows: list[RowOutcome] = field(default_factory=list)
    values: dict = field(default_factory=dict)  # merged company values
    source: dict = field(default_factory=dict)  # field → row that gave the value
    company: Company | None = None
    action: str = ""
    fields: tuple = ()
    broken_on: int | None = None  # row number whose company data is in error


class CompanyImport(ImportKindBase):
    kind = ImportKind.COMPANIES
    label = gettext_lazy("Entreprises et contacts")
    fields = COMPANY_FIELDS + CONTACT_FIELDS
    # A company's columns may be left empty on its second, third… rows: checked once per company.
    empty_allowed = frozenset(name for name in COMPANY_NAMES if name != "siret")
    layout_help = gettext_lazy(
        "Une ligne par contact, les colonnes de l'entreprise répétées sur chacune de ses lignes (une ligne sans contact "
        "importe l'entreprise seule). L'entreprise est retrouvée par son SIRET, le contact par son e-mail dans l'entreprise : "
        "réimporter le même fichier met à jour sans créer de doublon. Le rôle du contact se donne dans une colonne « Rôles » "
        "(MA, RH, Représentant) ou par les colonnes Oui/Non « Maître d'apprentissage », « Ressources humaines », "
        "« Représentant de l'employeur »."
    )

    def validate(self, rows: list[Row], *, for_write: bool) -> list[RowOutcome]:
        outcomes: list[RowOutcome] = []
        groups: dict[str, CompanyGroup] = {}
        contact_values: dict[int, dict] = {}
        for row in rows:
            values, errors = self.parse(row)
            outcome = RowOutcome(row=row, errors=errors)
            outcomes.append(outcome)
            if "contact_roles" in values:
                try:
                    values["contact_roles"] = parse_roles(values["contact_roles"])
                except v.CellError as problem:
                    del values["contact_roles"]
                    errors.append(self.error(row, "contact_roles", str(problem)))
            contact_values[row.number] = {k: val for k, val in values.items() if k in CONTACT_NAMES}
            siret = values.get("siret")
            if not siret:
                continue
            group = groups.setdefault(siret, CompanyGroup(siret=siret))
            group.rows.append(outcome)
            bad = self.bad_fields(row, values)
            if bad & set(COMPANY_NAMES):
                group.broken_on = group.broken_on or row.number
            for name in COMPANY_NAMES:
                if name not in values:
                    continue
                if name not in group.values:
                    group.values[name], group.source[name] = values[name], row
                elif group.values[name] != values[name]:
                    errors.append(self.error(row, name, _(
                        "« %(value)s » diffère de « %(first)s » indiqué ligne %(line)s pour la même entreprise (SIRET %(siret)s) : "
                        "gardez la même valeur sur toutes ses lignes, ou laissez la cellule vide."
                    ) % {"value": v.shown(self.raw(row, name)), "first": v.shown(self.raw(group.source[name], name)),
                         "line": group.source[name].number, "siret": siret}))
                    group.broken_on = group.broken_on or row.number
            self.tick(len(outcomes), len(rows))

        existing = self._load_companies(list(groups), for_write=for_write)
        contacts = self._load_contacts([c.pk for c in existing.values()], for_write=for_write)
        cres = {u.email.lower(): u for u in User.objects.filter(role=Role.CRE)}
        now = timezone.now()
        for group in groups.values():
            self._plan_company(group, existing.get(group.siret), cres, now)
            seen_emails: dict[str, int] = {}
            for outcome in group.rows:
                self._plan_contact(outcome, group, contact_values[outcome.row.number], contacts, seen_emails, now)
            # The company is written with its first valid row (it is counted there).
            valid = [o for o in group.rows if o.ok]
            if group.action and valid:
                first = valid[0]
                first.payload = {**(first.payload or {}), "group": group}
                first.action = _stronger(first.action, group.action)
            for outcome in group.rows:
                if outcome.ok and not outcome.action:
                    outcome.action = UNCHANGED
        return outcomes

    # --- reads -----------------------------------------------------------------------------------

    @staticmethod
    def _load_companies(sirets: list[str], *, for_write: bool) -> dict[str, Company]:
        found: dict[str, Company] = {}
        for start in range(0, len(sirets), 500):
            qs = Company.objects.filter(siret__in=sirets[start:start + 500]).select_related("owner_cre")
            if for_write:
                qs = qs.select_for_update(of=("self",))
            found.update({c.siret: c for c in qs})
        return found

    @staticmethod
    def _load_contacts(company_ids: list[int], *, for_write: bool) -> dict[tuple[int, str], list[CompanyContact]]:
        found: dict[tuple[int, str], list[CompanyContact]] = defaultdict(list)
        for start in range(0, len(company_ids), 500):
            qs = CompanyContact.objects.filter(company_id__in=company_ids[start:start + 500]).exclude(email="")
            if for_write:
                qs = qs.select_for_update()
            for contact in qs:
                found[(contact.company_id, contact.email.lower())].append(contact)
        return found

    # --- planning --------------------------------------------------------------------------------

    def _plan_company(self, group: CompanyGroup, company: Company | None, cres: dict, now) -> None:
        first_row = group.rows[0].row
        values = dict(group.values)
        owner_email = values.pop("owner_cre", None)
        if owner_email:
            owner = cres.get(owner_email.lower())
            if owner is None:
                source = group.source["owner_cre"]
                next(o for o in group.rows if o.row is source).errors.append(self.error(source, "owner_cre", _(
                    "aucun compte CRE n'a l'e-mail %(email)s : indiquez l'e-mail d'un·e chargé·e de relations entreprises "
                    "de l'application, ou laissez la cellule vide."
                ) % {"email": owner_email}))
                group.broken_on = group.broken_on or source.number
            else:
                values["owner_cre"] = owner
        # Fields no row of the company could give: empty everywhere (reported here for a new
        # company), or unreadable (already reported on their row).
        missing = {spec.name for spec in COMPANY_FIELDS if spec.name not in values and spec.name != "owner_cre"}
        if company is None:
            for spec in COMPANY_FIELDS:
                if spec.required and spec.name in missing and all(self.raw(o.row, spec.name) is None for o in group.rows):
                    group.rows[0].errors.append(self.error(first_row, spec.name, _(
                        "la cellule est vide : renseignez « %(label)s »%(help)s sur au moins une ligne de l'entreprise."
                    ) % {"label": spec.label, "help": f" ({spec.help})" if spec.help else ""}))
                    group.broken_on = group.broken_on or first_row.number
            company = Company(**values)
            before = None
        else:
            before = company.history_before = snapshot(company)  # what the history of changes compares
            for name, value in values.items():
                setattr(company, name, value)
        try:
            company.full_clean(exclude=["owner_cre", *missing], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for model_field, messages in error.message_dict.items():
                source = group.source.get(model_field, first_row)
                outcome = next(o for o in group.rows if o.row is source)
                outcome.errors.extend(self.model_errors(source, ValidationError({model_field: messages})))
                group.broken_on = group.broken_on or source.number
        if group.broken_on:
            for outcome in group.rows:
                if outcome.ok:
                    outcome.errors.append(self.error(outcome.row, "siret", _(
                        "l'entreprise de SIRET %(siret)s est en erreur ligne %(line)s : corrigez cette ligne pour importer "
                        "celle-ci."
                    ) % {"siret": group.siret, "line": group.broken_on}))
            return
        group.company = company
        if before is None:
            group.action = CREATE
            return
        changed = changed_since(company, before)
        if changed:
            company.updated_at = now
            group.action, group.fields = UPDATE, tuple(sorted(changed))

    def _plan_contact(self, outcome: RowOutcome, group: CompanyGroup, values: dict, contacts: dict,
                      seen_emails: dict[str, int], now) -> None:
        row = outcome.row
        if not values and not any(self.raw(row, name) is not None for name in CONTACT_NAMES):
            return  # the company alone
        email = values.get("contact_email")
        if not email:
            if self.raw(row, "contact_email") is None:
                outcome.errors.append(self.error(row, "contact_email", _(
                    "la cellule est vide : indiquez l'e-mail du contact, il sert à le retrouver lors d'un prochain import."
                )))
            return
        key = email.lower()
        if key in seen_emails:
            outcome.errors.append(self.error(row, "contact_email", _(
                "ce contact figure déjà ligne %(line)s pour la même entreprise : gardez une seule ligne par contact."
            ) % {"line": seen_emails[key]}))
            return
        seen_emails[key] = row.number
        if group.company is None:
            return  # the company's own error is already on this row
        stored = contacts.get((group.company.pk, key), []) if group.company.pk else []
        if len(stored) > 1:
            outcome.errors.append(self.error(row, "contact_email", _(
                "cette entreprise a déjà plusieurs contacts avec l'e-mail %(email)s : fusionnez-les sur la fiche de l'entreprise "
                "avant l'import."
            ) % {"email": email}))
            return
        contact = stored[0] if stored else CompanyContact(company=group.company)
        before = contact.history_before = snapshot(contact) if stored else None
        for name, attr in CONTACT_ATTRS.items():
            if name in values:
                setattr(contact, attr, values[name])
        for attr in values.get("contact_roles", ()):
            setattr(contact, attr, True)
        bad = {CONTACT_ATTRS.get(name, name) for name in self.bad_fields(row, values) if name in CONTACT_NAMES}
        try:
            contact.full_clean(exclude=["company", "user", *bad], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            outcome.errors.extend(self.model_errors(row, error, fields={attr: name for name, attr in CONTACT_ATTRS.items()}))
        if not outcome.ok:
            return
        if before is None:
            outcome.action, outcome.payload = CREATE, {"contact": contact}
            return
        changed = changed_since(contact, before)
        if changed:
            outcome.action, outcome.payload = UPDATE, {"contact": contact, "fields": tuple(sorted(changed))}
        else:
            outcome.action = UNCHANGED

    # --- writes ----------------------------------------------------------------------------------

    def write(self, outcomes: list[RowOutcome]) -> None:
        groups = [o.payload["group"] for o in outcomes if o.payload and "group" in o.payload]
        Company.objects.bulk_create([g.company for g in groups if g.action == CREATE], batch_size=self.batch_size)
        by_fields: dict[tuple, list[Company]] = defaultdict(list)
        for group in groups:
            if group.action == UPDATE:
                by_fields[group.fields].append(group.company)
        for fields, companies in by_fields.items():
            bulk_update_rows(Company, companies, [*fields, "updated_at"], batch_size=self.batch_size)
        # A public employer's contracts leave the OPCO stages of the board (a DDETS deposit).
        opco_board.changed(company_ids=[c.pk for fields, companies in by_fields.items() if "is_public" in fields for c in companies])
        new_contacts, changed_contacts = [], defaultdict(list)
        for outcome in outcomes:
            contact = (outcome.payload or {}).get("contact")
            if contact is None:
                continue
            contact.company = contact.company  # the company may have got its primary key just above
            if contact.pk is None:
                new_contacts.append(contact)
            else:
                changed_contacts[outcome.payload["fields"]].append(contact)
        CompanyContact.objects.bulk_create(new_contacts, batch_size=self.batch_size)
        for fields, contacts in changed_contacts.items():
            bulk_update_rows(CompanyContact, contacts, fields, batch_size=self.batch_size)
        # Bulk writes send no signal: the history of changes is written here (issue 13 §4).
        record_import(self.by, created=[g.company for g in groups if g.action == CREATE],
                      updated=[(company, fields) for fields, companies in by_fields.items() for company in companies])
        record_import(self.by, created=new_contacts,
                      updated=[(contact, fields) for fields, contacts in changed_contacts.items() for contact in contacts])


def _stronger(first: str, second: str) -> str:
    """A row that creates the company or its contact counts as created, else as updated if it
    changes one of them."""
    order = {"": 0, UNCHANGED: 1, UPDATE: 2, CREATE: 3}
    return first if order[first] >= order[second] else second
