"""Which column of the file feeds which field: suggestions from the header names and the check
of a mapping chosen by the person.

Headers and aliases are compared once folded (no accents, no case, no punctuation) and without
small words: « N° SIRET », « Numéro SIRET » and « siret » are the same, so are « NOM DE
NAISSANCE » and « Nom naissance ». A header that names no field exactly is matched when it
contains a field's name of two words or more (« Date de naissance de l'apprenti » → date de
naissance) and only that field.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from alternance.imports.base import FieldSpec
from alternance.imports.values import fold

STOPWORDS = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "n", "no", "num", "numero", "a", "au", "aux", "en", "o"})


def normalize_header(text: str) -> str:
    folded = re.sub(r"\be mail\b", "email", fold(text))  # « E-mail », « e mail » and « Email » alike
    return " ".join(word for word in folded.split() if word not in STOPWORDS)


def spellings(spec: FieldSpec, *, with_name: bool = True) -> set[str]:
    names = {spec.label, *spec.aliases} | ({spec.name} if with_name else set())
    return {normalize_header(name) for name in names} - {""}


def suggest_mapping(headers: list[str], fields: tuple[FieldSpec, ...]) -> dict[str, str]:
    """{field name: header}: exact spellings first (file order), then unambiguous containment."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    by_spelling: dict[str, str] = {}
    # Labels and aliases first; the technical names (« email », « phone ») only where no label or
    # alias claims the spelling: a bare « E-mail » column in a company file is the contact's.
    for spec in fields:
        for spelling in spellings(spec, with_name=False):
            by_spelling.setdefault(spelling, spec.name)
    for spec in fields:
        by_spelling.setdefault(normalize_header(spec.name), spec.name)
    normalized = {header: normalize_header(header) for header in headers}
    for header in headers:
        name = by_spelling.get(normalized[header])
        if name and name not in mapping:
            mapping[name] = header
            used.add(header)
    for header in headers:
        if header in used or not normalized[header]:
            continue
        words = f" {normalized[header]} "
        candidates = {
            spec.name for spec in fields if spec.name not in mapping
            for spelling in spellings(spec) if len(spelling.split()) >= 2 and f" {spelling} " in words
        }
        if len(candidates) == 1:
            name = candidates.pop()
            mapping[name] = header
            used.add(header)
    return {spec.name: mapping[spec.name] for spec in fields if spec.name in mapping}


def clean_mapping(mapping: dict[str, str], *, headers: list[str], kind) -> dict[str, str]:
    """The mapping without empty choices, checked: known fields and headers, one field per column,
    every required field mapped (French messages that say what to associate)."""
    errors: list[str] = []
    cleaned: dict[str, str] = {}
    specs = {spec.name: spec for spec in kind.fields}
    for name, header in (mapping or {}).items():
        if not header:
            continue
        if name not in specs:
            errors.append(_("« %(name)s » n'est pas un champ de cet import. Champs possibles : %(names)s.")
                          % {"name": name, "names": ", ".join(specs)})
            continue
        if header not in headers:
            errors.append(_("Le fichier n'a pas de colonne « %(header)s » (champ « %(label)s »).")
                          % {"header": header, "label": specs[name].label})
            continue
        cleaned[name] = header
    by_header: dict[str, list[str]] = {}
    for name, header in cleaned.items():
        by_header.setdefault(header, []).append(name)
    for header, names in by_header.items():
        if len(names) > 1:
            errors.append(_("La colonne « %(header)s » est associée à plusieurs champs (%(labels)s) : gardez-en un seul.")
                          % {"header": header, "labels": ", ".join(f"« {specs[n].label} »" for n in names)})
    for spec in kind.fields:
        if spec.required and spec.name not in cleaned:
            errors.append(_("Associez une colonne au champ obligatoire « %(label)s ».") % {"label": spec.label})
    for group in kind.one_of:
        if not any(name in cleaned for name in group):
            errors.append(_("Associez une colonne à au moins un de ces champs : %(labels)s.")
                          % {"labels": _(" ou ").join(f"« {specs[n].label} »" for n in group)})
    if errors:
        raise ValidationError(errors)
    return {spec.name: cleaned[spec.name] for spec in kind.fields if spec.name in cleaned}
