"""The rule registry (issue 16): what ``@rule(...)`` records, what it refuses, and a scoped context.

The real rules are registered when ``alerts.rules`` is imported; these tests register a scratch
rule under a code of their own and remove it afterwards, so the list of real rules is untouched.
"""

import pytest

from alerts.choices import ConcernedRole, Severity
from alerts.rules.registry import RULES, RuleContext, rule, worst
from alternance.models import Apprentice
from tests.factories.alternance import ApprenticeFactory

SCRATCH = "essai_registre"


@pytest.fixture(autouse=True)
def forget_the_scratch_rule():
    yield
    RULES.pop(SCRATCH, None)


def declared(rule_object):
    return (
        rule_object.code, rule_object.title, rule_object.default_severity, rule_object.concerned_role, rule_object.source,
        rule_object.description, rule_object.subject_model, rule_object.scoped,
    )


def test_a_registered_rule_keeps_everything_it_was_declared_with():
    def check(context):
        """  Lit le registre d'appel.  """
        return ["constat"]

    returned = rule(
        code=SCRATCH, title="Essai", severity=Severity.CRITICAL, role=ConcernedRole.CRE, source="Code du travail, L6222-1",
        subject_model="alternance.apprentice", scoped=True,
    )(check)

    registered = RULES[SCRATCH]
    assert returned is check and check.rule_code == SCRATCH
    assert declared(registered) == (
        SCRATCH, "Essai", Severity.CRITICAL, ConcernedRole.CRE, "Code du travail, L6222-1", "Lit le registre d'appel.",
        "alternance.apprentice", True,
    )
    assert registered.check is check and registered(None) == ["constat"]


def test_a_rule_without_docstring_subject_or_scope_gets_the_defaults():
    def check(context):
        return []

    rule(code=SCRATCH, title="Essai", severity=Severity.INFO, role=ConcernedRole.TUTOR, source="Choix de l'OF")(check)

    assert declared(RULES[SCRATCH]) == (SCRATCH, "Essai", Severity.INFO, ConcernedRole.TUTOR, "Choix de l'OF", "", "", False)


@pytest.mark.parametrize(("severity", "role"), [
    ("grave", ConcernedRole.CRE),  # unknown severity, known role
    (Severity.WARNING, "directeur"),  # known severity, unknown role
    ("grave", "directeur"),
])
def test_an_unknown_severity_or_role_is_refused(severity, role):
    with pytest.raises(ValueError, match=f"^Rôle ou gravité inconnu pour la règle {SCRATCH}$"):
        rule(code=SCRATCH, title="Essai", severity=severity, role=role, source="—")

    assert SCRATCH not in RULES


def test_a_code_registered_twice_is_refused_and_the_first_rule_stays():
    def first(context):
        return []

    def second(context):
        return []

    rule(code=SCRATCH, title="Première", severity=Severity.INFO, role=ConcernedRole.CRE, source="—")(first)

    with pytest.raises(ValueError, match=f"^La règle {SCRATCH} est déjà enregistrée.$"):
        rule(code=SCRATCH, title="Seconde", severity=Severity.INFO, role=ConcernedRole.CRE, source="—")(second)
    assert (RULES[SCRATCH].title, RULES[SCRATCH].check) == ("Première", first)


def test_the_worst_severity_wins():
    assert (worst(Severity.INFO), worst(Severity.WARNING, Severity.INFO), worst(Severity.INFO, Severity.CRITICAL, Severity.WARNING)) == (
        Severity.INFO, Severity.WARNING, Severity.CRITICAL,
    )


@pytest.mark.django_db
def test_a_scoped_context_restricts_a_queryset_to_its_subjects_and_an_unscoped_one_does_not():
    first, second, third = ApprenticeFactory(), ApprenticeFactory(), ApprenticeFactory()
    everyone = Apprentice.objects.order_by("pk")
    scoped = RuleContext(today=None, settings=None, contract_settings=None, subject_ids=frozenset({third.pk, first.pk}))
    unscoped = RuleContext(today=None, settings=None, contract_settings=None)

    assert list(scoped.only(everyone)) == [first, third]
    assert list(scoped.only(everyone.values_list("pk", flat=True), "id")) == [first.pk, third.pk]
    assert list(unscoped.only(everyone)) == [first, second, third]
