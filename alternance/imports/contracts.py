"""Import of contracts, as drafts, through the contracts' own services.

Natural key: the apprentice (its INE, else its e-mail) + the employer's SIRET + the start date;
amendments are never matched (they carry the start date of the contract they amend). The
apprentice and the company must exist (import them first); the maître(s) d'apprentissage are
named by their e-mail among the company's contacts. Missing training data come from the
apprentice's cohort, as when a contract is opened from the placement desk: its programme, its
start and end of exams, the programme's hours.

Every row goes through ``contracts.services.contract_create`` (or ``contract_update`` for a draft
or refused contract already there), so that the same rules apply as on the contract form; while
checking, each call runs in a savepoint that is rolled back. A contract already signed is not
changed by an import (its changes go through an amendment): such a row is an error unless it
brings nothing new. Imported contracts start as drafts and follow the usual lifecycle.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alternance.choices import ImportKind
from alternance.imports import values as v
from alternance.imports.base import CREATE, UNCHANGED, UPDATE, FieldSpec, ImportKindBase, RowOutcome
from alternance.imports.readers import Row
from alternance.models import Apprentice, Programme
from alternance.validators import normalize_rncp
from companies.models import Company, CompanyContact
from contracts.choices import ContractKind, ContractStatus, ContractType, DerogationType
from contracts.models import Contract
from contracts.services import EDITABLE_STATUSES, ContractTransitionError, contract_create, contract_update

F = FieldSpec
DATE_HELP = "JJ/MM/AAAA"


def parse_contract_type(value):
    code = v.choice_parser(ContractType, what="« Type de contrat » (codes Cerfa)")(value)
    if code >= 31:
        raise v.CellError(_("« %(value)s » est un avenant : un avenant se crée depuis la page du contrat qu'il modifie ; "
                            "importez ici les contrats (codes 11, 21, 22 ou 23).") % {"value": v.shown(value)})
    return code


FIELDS: tuple[FieldSpec, ...] = (
    F("apprentice_ine", gettext_lazy("INE de l'apprenti·e"), v.parse_ine,
      aliases=("ine", "ine apprenti", "ine apprenant", "ine_apprenant"), help="11 caractères", example="1234567890A"),
    F("apprentice_email", gettext_lazy("E-mail de l'apprenti·e"), v.parse_email,
      aliases=("email apprenti", "e mail apprenti", "mail apprenti", "email apprenant", "courriel apprenti", "email_contact",
               "email alternant"), example="lea.martin@example.fr"),
    F("company_siret", gettext_lazy("SIRET de l'employeur"), v.parse_siret, required=True,
      aliases=("siret", "siret employeur", "siret_employeur", "siret entreprise", "siret etablissement", "numero siret",
               "siret etablissement execution"),
      help="14 chiffres", example="732 829 320 00074"),
    F("kind", gettext_lazy("Nature du contrat"), v.choice_parser(ContractKind, what="« Nature du contrat »", synonyms={
        "apprentissage": ContractKind.APPRENTICESHIP, "contrat apprentissage": ContractKind.APPRENTICESHIP,
        "contrat d apprentissage": ContractKind.APPRENTICESHIP, "capp": ContractKind.APPRENTICESHIP,
        "app": ContractKind.APPRENTICESHIP, "professionnalisation": ContractKind.PROFESSIONALISATION,
        "contrat de professionnalisation": ContractKind.PROFESSIONALISATION, "contrat pro": ContractKind.PROFESSIONALISATION,
        "pro": ContractKind.PROFESSIONALISATION, "cpro": ContractKind.PROFESSIONALISATION}),
      aliases=("nature", "nature contrat", "dispositif", "type dispositif"), help="apprentissage ou professionnalisation",
      example="apprentissage"),
    F("programme", gettext_lazy("Formation (intitulé ou code RNCP)"), v.parse_text,
      aliases=("formation", "diplome prepare", "intitule formation", "code rncp", "rncp", "formation_rncp", "titre prepare"),
      help="par défaut la formation de la promotion", example="RNCP35340"),
    F("master_email", gettext_lazy("E-mail du maître d'apprentissage"), v.parse_email, required=True,
      aliases=("email ma", "mail ma", "email maitre apprentissage", "e mail maitre apprentissage", "email tuteur",
               "courriel maitre apprentissage", "email maitre apprentissage 1", "email ma 1"),
      help="un contact MA de l'entreprise", example="odile.fournier@boulangerie-marche.fr"),
    F("second_master_email", gettext_lazy("E-mail du second maître d'apprentissage"), v.parse_email,
      aliases=("email ma 2", "email maitre apprentissage 2", "email second maitre apprentissage", "email second ma")),
    F("contract_type", gettext_lazy("Type de contrat (code Cerfa)"), parse_contract_type,
      aliases=("type contrat", "code type contrat", "type contrat avenant"), help="11, 21, 22 ou 23 ; par défaut 11", example="11"),
    F("derogation_type", gettext_lazy("Type de dérogation"), v.choice_parser(DerogationType, what="« Dérogation » (codes Cerfa)"),
      aliases=("derogation", "code derogation"), help="code Cerfa"),
    F("previous_contract_number", gettext_lazy("Numéro du contrat précédent (DECA)"), v.parse_identifier,
      aliases=("numero contrat precedent", "contrat precedent", "n contrat precedent", "numero deca precedent")),
    F("start_date", gettext_lazy("Date de début d'exécution"), v.parse_date, required=True,
      aliases=("date debut", "debut contrat", "contrat_date_debut", "date debut contrat", "date debut execution",
               "debut execution", "date embauche"),
      help=DATE_HELP, example="01/09/2026"),
    F("practical_training_start_date", gettext_lazy("Début de la formation pratique chez l'employeur"), v.parse_date,
      aliases=("debut formation pratique", "date debut formation pratique", "debut formation pratique employeur"),
      help=DATE_HELP, example="03/09/2026"),
    F("end_date", gettext_lazy("Date de fin du contrat"), v.parse_date, required=True,
      aliases=("date fin", "fin contrat", "contrat_date_fin", "date fin contrat"), help=DATE_HELP, example="31/08/2028"),
    F("training_start_date", gettext_lazy("Début de la formation au CFA"), v.parse_date,
      aliases=("debut formation cfa", "date debut formation cfa", "debut formation", "date entree formation"),
      help="JJ/MM/AAAA ; par défaut le début de la promotion"),
    F("exams_end_date", gettext_lazy("Date prévue de fin des épreuves"), v.parse_date,
      aliases=("fin epreuves", "date fin epreuves", "fin examens", "date fin examens"), help="JJ/MM/AAAA ; par défaut celle de la promotion"),
    F("training_hours", gettext_lazy("Durée de la formation (heures)"), v.parse_int,
      aliases=("heures formation", "duree formation", "nombre heures formation", "volume horaire"),
      help="par défaut celle de la formation"),
    F("remote_training_hours", gettext_lazy("Heures de formation à distance"), v.parse_int,
      aliases=("heures distance", "heures formation distance", "formation distance")),
    F("weekly_hours", gettext_lazy("Durée hebdomadaire du travail (heures)"), v.parse_decimal,
      aliases=("duree hebdomadaire", "heures hebdomadaires", "horaire hebdomadaire", "duree hebdomadaire travail"),
      help="par exemple 35", example="35"),
    F("dangerous_work", gettext_lazy("Travail sur machines dangereuses"), v.parse_bool,
      aliases=("machines dangereuses", "travaux dangereux", "risques particuliers"), help="Oui / Non", example="Non"),
    F("gross_monthly_salary", gettext_lazy("Salaire brut mensuel à l'embauche"), v.parse_decimal,
      aliases=("salaire brut", "salaire brut mensuel", "remuneration brute", "salaire", "remuneration"),
      help="en euros, par exemple 1 234,56", example="966,32"),
    F("collective_minimum_salary", gettext_lazy("Salaire minimum conventionnel (SMC)"), v.parse_decimal,
      aliases=("smc", "salaire minimum conventionnel", "minimum conventionnel")),
    F("pension_fund", gettext_lazy("Caisse de retraite complémentaire"), v.parse_text,
      aliases=("caisse retraite", "caisse retraite complementaire", "retraite complementaire")),
    F("benefit_food", gettext_lazy("Avantage nourriture (€ par repas)"), v.parse_decimal,
      aliases=("avantage nourriture", "avantage nature nourriture")),
    F("benefit_housing", gettext_lazy("Avantage logement (€ par mois)"), v.parse_decimal,
      aliases=("avantage logement", "avantage nature logement")),
    F("benefit_other", gettext_lazy("Autre avantage en nature"), v.parse_text, aliases=("autre avantage", "autres avantages")),
)

# Fields handed as they are to the contract services.
PLAIN_FIELDS = (
    "kind", "contract_type", "derogation_type", "previous_contract_number", "start_date", "practical_training_start_date",
    "end_date", "training_start_date", "exams_end_date", "training_hours", "remote_training_hours", "weekly_hours",
    "dangerous_work", "gross_monthly_salary", "collective_minimum_salary", "pension_fund", "benefit_food", "benefit_housing",
    "benefit_other",
)


FOREIGN_KEYS = ("apprentice", "company", "programme", "master", "second_master")


class _Rollback(Exception):
    """Raised inside a savepoint to undo a service call made only to validate a row."""


class ContractImport(ImportKindBase):
    kind = ImportKind.CONTRACTS
    label = gettext_lazy("Contrats")
    fields = FIELDS
    one_of = (("apprentice_ine", "apprentice_email"),)
    model_fields = {"company": "company_siret", "master": "master_email", "second_master": "second_master_email"}
    layout_help = gettext_lazy(
        "Une ligne par contrat. Le contrat est retrouvé par l'apprenti·e (INE, sinon e-mail), le SIRET de l'employeur et la "
        "date de début : réimporter le même fichier met à jour les brouillons sans créer de doublon. L'apprenti·e, "
        "l'entreprise et son maître d'apprentissage (désigné par son e-mail) doivent déjà exister : importez-les d'abord. "
        "Les contrats sont créés en brouillon ; un contrat déjà signé ne se modifie pas par import."
    )

    def validate(self, rows: list[Row], *, for_write: bool) -> list[RowOutcome]:
        parsed = [(row, *self.parse(row)) for row in rows]
        apprentices = self._apprentices()
        sirets = sorted({values["company_siret"] for _row, values, _e in parsed if "company_siret" in values})
        companies = {c.siret: c for start in range(0, len(sirets), 500)
                     for c in Company.objects.filter(siret__in=sirets[start:start + 500])}
        company_ids = [c.pk for c in companies.values()]
        contacts: dict[tuple[int, str], list[CompanyContact]] = defaultdict(list)
        existing: dict[tuple[int, int, object], Contract] = {}
        for start in range(0, len(company_ids), 500):
            chunk = company_ids[start:start + 500]
            for contact in CompanyContact.objects.filter(company_id__in=chunk).exclude(email=""):
                contacts[(contact.company_id, contact.email.lower())].append(contact)
            qs = Contract.objects.filter(company_id__in=chunk, amends__isnull=True)
            for contract in (qs.select_for_update() if for_write else qs):
                existing.setdefault((contract.apprentice_id, contract.company_id, contract.start_date), contract)
        programmes = list(Programme.objects.all())

        outcomes: list[RowOutcome] = []
        first_row_of_key: dict[tuple, int] = {}
        for done, (row, values, errors) in enumerate(parsed, start=1):
            outcome = RowOutcome(row=row, errors=errors)
            outcomes.append(outcome)
            apprentice = self._apprentice(row, values, apprentices, errors)
            company = companies.get(values.get("company_siret"))
            if "company_siret" in values and company is None:
                errors.append(self.error(row, "company_siret", _(
                    "aucune entreprise n'a le SIRET %(siret)s : importez d'abord les entreprises, ou corrigez le SIRET."
                ) % {"siret": values["company_siret"]}))
            fields = {name: values[name] for name in PLAIN_FIELDS if name in values}
            if company is not None:
                for name, field_name in (("master_email", "master"), ("second_master_email", "second_master")):
                    if name in values:
                        contact = self._contact(row, name, values[name], company, contacts, errors)
                        if contact is not None:
                            fields[field_name] = contact
            if "programme" in values:
                programme = self._programme(row, values["programme"], programmes, errors)
                if programme is not None:
                    fields["programme"] = programme
            if outcome.errors or apprentice is None or company is None:
                continue
            key = (apprentice.pk, company.pk, values["start_date"])
            if key in first_row_of_key:
                errors.append(self.error(row, "start_date", _(
                    "ce contrat (même apprenti·e, même employeur, même date de début) figure déjà ligne %(line)s : "
                    "gardez une seule ligne par contrat."
                ) % {"line": first_row_of_key[key]}))
                continue
            first_row_of_key[key] = row.number
            fields.update(apprentice=apprentice, company=company)
            contract = existing.get(key)
            if contract is None:
                self._plan_create(outcome, fields, apprentice)
            else:
                self._plan_update(outcome, fields, contract)
            self.tick(done, len(parsed))
        return outcomes

    # --- references ------------------------------------------------------------------------------

    @staticmethod
    def _apprentices() -> dict:
        by_ine: dict[str, int] = {}
        by_email: dict[str, list[int]] = defaultdict(list)
        for pk, ine, email in Apprentice.objects.values_list("pk", "ine", "email"):
            if ine:
                by_ine[ine] = pk
            by_email[email.strip().lower()].append(pk)
        return {"ine": by_ine, "email": by_email, "loaded": {}}

    def _apprentice(self, row: Row, values: dict, apprentices: dict, errors: list) -> Apprentice | None:
        ine, email = values.get("apprentice_ine"), values.get("apprentice_email")
        if not ine and not email:
            if self.raw(row, "apprentice_ine") is None and self.raw(row, "apprentice_email") is None:
                errors.append(self.error(row, "apprentice_ine" if self.column("apprentice_ine") else "apprentice_email", _(
                    "la cellule est vide : indiquez l'INE ou l'e-mail de l'apprenti·e."
                )))
            return None
        pk = apprentices["ine"].get(ine) if ine else None
        if pk is None and email:
            candidates = apprentices["email"].get(email.lower(), [])
            if len(candidates) > 1:
                errors.append(self.error(row, "apprentice_email", _(
                    "plusieurs apprenti·es ont l'e-mail %(email)s : indiquez l'INE pour désigner la bonne personne."
                ) % {"email": email}))
                return None
            pk = candidates[0] if candidates else None
        if pk is None:
            name, what = ("apprentice_ine", ine) if ine else ("apprentice_email", email)
            errors.append(self.error(row, name, _(
                "aucun apprenti·e n'a l'%(kind)s %(value)s : importez d'abord les apprenti·es, ou corrigez la cellule."
            ) % {"kind": "INE" if ine else _("e-mail"), "value": what}))
            return None
        loaded = apprentices["loaded"]
        if pk not in loaded:
            # One query per apprentice named for the first time (contracts are hundreds, not tens of thousands).
            loaded[pk] = Apprentice.objects.select_related("cohort__programme").get(pk=pk)
        return loaded[pk]

    def _contact(self, row: Row, name: str, email: str, company: Company, contacts: dict, errors: list) -> CompanyContact | None:
        found = contacts.get((company.pk, email.lower()), [])
        if len(found) == 1:
            return found[0]
        if found:
            errors.append(self.error(row, name, _(
                "plusieurs contacts de %(company)s ont l'e-mail %(email)s : fusionnez-les sur la fiche de l'entreprise."
            ) % {"company": company.name, "email": email}))
        else:
            errors.append(self.error(row, name, _(
                "%(company)s n'a pas de contact avec l'e-mail %(email)s : ajoutez le maître d'apprentissage à l'entreprise "
                "(import des entreprises et contacts) ou corrigez l'e-mail."
            ) % {"company": company.name, "email": email}))
        return None

    def _programme(self, row: Row, text: str, programmes: list[Programme], errors: list) -> Programme | None:
        folded = v.fold(text)
        by_title = [p for p in programmes if v.fold(p.title) == folded or (p.short_title and v.fold(p.short_title) == folded)]
        if len(by_title) == 1:
            return by_title[0]
        rncp = normalize_rncp(text)
        by_rncp = [p for p in programmes if p.rncp_code == rncp]
        if len(by_rncp) == 1:
            return by_rncp[0]
        if by_rncp or len(by_title) > 1:
            errors.append(self.error(row, "programme", _(
                "plusieurs formations correspondent à « %(value)s » : indiquez l'intitulé exact de la formation."
            ) % {"value": text}))
        else:
            errors.append(self.error(row, "programme", _(
                "aucune formation ne correspond à « %(value)s » : indiquez l'intitulé exact ou le code RNCP d'une formation "
                "du catalogue, ou laissez la cellule vide pour prendre celle de la promotion."
            ) % {"value": text}))
        return None

    # --- planning through the services -----------------------------------------------------------

    def _defaults(self, fields: dict, apprentice: Apprentice) -> dict:
        cohort = apprentice.cohort
        programme = fields.get("programme") or cohort.programme
        return {
            "programme": programme,
            "training_start_date": cohort.start_date,
            "exams_end_date": cohort.exams_end_date,
            "training_hours": programme.training_hours,
        }

    def _try(self, outcome: RowOutcome, call) -> bool:
        """Run a service in a savepoint that is always rolled back: the row is checked exactly as
        it will be written, and nothing stays."""
        try:
            with transaction.atomic():
                call()
                raise _Rollback
        except _Rollback:
            return True
        except ValidationError as error:
            outcome.errors.extend(self.model_errors(outcome.row, error))
        except ContractTransitionError as error:
            outcome.errors.append(self.error(outcome.row, None, str(error)))
        return False

    def _plan_create(self, outcome: RowOutcome, fields: dict, apprentice: Apprentice) -> None:
        kwargs = {**self._defaults(fields, apprentice), **fields}
        if self._try(outcome, lambda: contract_create(by=self.by, **kwargs)):
            outcome.action, outcome.payload = CREATE, kwargs

    def _plan_update(self, outcome: RowOutcome, fields: dict, contract: Contract) -> None:
        changes = {
            name: value for name, value in fields.items()
            if (getattr(contract, f"{name}_id") != getattr(value, "pk", value) if name in FOREIGN_KEYS else getattr(contract, name) != value)
        }
        if not changes:
            outcome.action = UNCHANGED
            return
        if contract.status not in EDITABLE_STATUSES:
            labels = ", ".join(f"« {self.column(self.model_fields.get(n, n)) or n} »" for n in changes)
            outcome.errors.append(self.error(outcome.row, None, _(
                "ce contrat est « %(status)s » : il ne se modifie plus par import (colonnes changées : %(columns)s). "
                "Faites un avenant depuis la page du contrat, ou remettez dans le fichier les valeurs enregistrées."
            ) % {"status": ContractStatus(contract.status).label, "columns": labels}))
            return
        if self._try(outcome, lambda: contract_update(contract=contract, by=self.by, **changes)):
            outcome.action, outcome.payload = UPDATE, (contract, changes)

    def write(self, outcomes: list[RowOutcome]) -> None:
        for done, outcome in enumerate(outcomes, start=1):
            if outcome.action == CREATE:
                contract_create(by=self.by, **outcome.payload)
            elif outcome.action == UPDATE:
                contract, changes = outcome.payload
                contract_update(contract=contract, by=self.by, **changes)
            self.tick(done, len(outcomes))
