"""``benchmark_import`` on a database that holds the demo (issue 18 §6): its learners are new people,
it never updates (nor crashes on) a demo learner found by its INE."""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from alternance.management.commands.benchmark_import import COHORT_NAME
from alternance.models import Apprentice
from tests.factories.alternance import ApprenticeFactory

TODAY = date(2026, 11, 28)


def snapshot() -> dict:
    fields = ("ine", "email", "cohort_id", "phone", "address", "training_start_date", "exclusion_date", "status")
    return {row["pk"]: row for row in Apprentice.objects.values("pk", *fields)}


@pytest.fixture
def demo(db):
    call_command("seed_demo", apprentices=40, seed=7, today=TODAY.isoformat(), stdout=StringIO())
    # A learner already holding the benchmark's first INE: the command must leave it alone.
    ApprenticeFactory(ine="8000000000Z", email="deja.la@example.test")


def test_benchmark_import_on_a_demo_database_creates_new_learners_and_touches_no_existing_one(demo):
    before = snapshot()
    demo_ines = {row["ine"] for row in before.values() if row["ine"]}
    assert any(re.fullmatch(r"\d{9}[A-Z]{2}", ine) for ine in demo_ines)  # the demo's own INE form is there

    out = StringIO()
    call_command("benchmark_import", rows=25, keep=True, stdout=out)

    assert {pk: row for pk, row in snapshot().items() if pk in before} == before
    created = list(Apprentice.objects.filter(cohort__name=COHORT_NAME).order_by("ine").values_list("ine", flat=True))
    assert len(created) == 25 and len(Apprentice.objects.all()) == len(before) + 25
    assert all(re.fullmatch(r"8\d{9}[A-Z]", ine) for ine in created)
    assert created[0] == "8000000001A"  # 8000000000Z is taken: skipped
    assert not set(created) & demo_ines
    lines = out.getvalue().splitlines()
    results = {line.split(" ")[0]: line.split("  ")[-1].strip() for line in lines if line[:2] in ("1.", "2.", "3.")}
    assert results == {
        "1.": "25 lignes créées, 0 mises à jour, 0 inchangées, 0 en erreur.",
        "2.": "0 lignes créées, 25 mises à jour, 0 inchangées, 0 en erreur.",
        "3.": "0 lignes créées, 0 mises à jour, 25 inchangées, 0 en erreur.",
    }


def test_benchmark_import_removes_its_learners_at_the_end_without_keep(demo):
    before = snapshot()

    call_command("benchmark_import", rows=5, stdout=StringIO())

    assert snapshot() == before
