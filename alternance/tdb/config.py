"""What the learners file says about the organisation itself, read from the settings.

The responsible establishment is the OF running the instance (``OF_UAI``, ``OF_SIRET``); the
training establishment defaults to the same (the template: « Si l'apprenant est formé au sein de
l'établissement responsable …, indiquez le même UAI et SIRET »); the training place, the CFA type
(SIFA nomenclature) and the disability referent are optional and left empty unless configured.
Each value remembers the environment variable it comes from, so that a message can say where to
fix it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

# Column of the template → (key in settings.TDB_EXPORT or ORGANISATION, environment variable).
ORGANISATION_COLUMNS: dict[str, tuple[str, str]] = {
    "etablissement_responsable_uai": ("uai", "OF_UAI"),
    "etablissement_responsable_siret": ("siret", "OF_SIRET"),
    "etablissement_formateur_uai": ("formateur_uai", "TDB_FORMATEUR_UAI"),
    "etablissement_formateur_siret": ("formateur_siret", "TDB_FORMATEUR_SIRET"),
    "etablissement_lieu_de_formation_uai": ("lieu_formation_uai", "TDB_LIEU_FORMATION_UAI"),
    "etablissement_lieu_de_formation_siret": ("lieu_formation_siret", "TDB_LIEU_FORMATION_SIRET"),
    "etablissement_lieu_de_formation_adresse": ("lieu_formation_adresse", "TDB_LIEU_FORMATION_ADRESSE"),
    "etablissement_lieu_de_formation_code_postal": ("lieu_formation_code_postal", "TDB_LIEU_FORMATION_CODE_POSTAL"),
    "type_cfa": ("type_cfa", "TDB_TYPE_CFA"),
    "nom_referent_handicap_formation": ("referent_handicap_nom", "REFERENT_HANDICAP_NOM"),
    "prenom_referent_handicap_formation": ("referent_handicap_prenom", "REFERENT_HANDICAP_PRENOM"),
    "email_referent_handicap_formation": ("referent_handicap_email", "REFERENT_HANDICAP_EMAIL"),
}


@dataclass(frozen=True)
class OrganisationValues:
    """The organisation's columns, identical on every row: {column name: value or None}."""

    values: dict[str, str | None]
    variables: dict[str, str]  # column name → environment variable

    @property
    def formateur_uai(self) -> str | None:
        return self.values["etablissement_formateur_uai"]


def _clean(value) -> str | None:
    text = str(value or "").strip()
    return text or None


def organisation_values() -> OrganisationValues:
    organisation = getattr(settings, "ORGANISATION", {})
    tdb = getattr(settings, "TDB_EXPORT", {})
    values, variables = {}, {}
    for column, (key, variable) in ORGANISATION_COLUMNS.items():
        source = organisation if variable.startswith("OF_") else tdb
        raw = source.get(key)
        if column == "etablissement_formateur_uai" and not raw:
            raw = organisation.get("uai")
        if column == "etablissement_formateur_siret" and not raw:
            raw = organisation.get("siret")
        value = _clean(raw)
        if value and column.endswith(("_uai", "_siret")):
            value = value.replace(" ", "").upper()
        values[column], variables[column] = value, variable
    return OrganisationValues(values=values, variables=variables)
