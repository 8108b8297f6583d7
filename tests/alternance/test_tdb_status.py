"""The Tableau de bord counts a learner without any contract as a dropout from the 91st day after
entering training (flux-retour-cfas, effectif_status.builder.ts): the rule, the export's report,
and the staff screens that say so (issue 15 §12)."""

import io
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from alternance.choices import ApprenticeStatus
from alternance.tdb.services import tdb_check
from alternance.tdb_status import counted_as_dropout_by_tdb, tdb_dropout_day
from tests.alternance.tdb.tdb_support import contract, learner, under_contract
from tests.factories.alternance import ApprenticeFactory
from tests.factories.web import PARIS, make_world

ENTRY = date(2026, 9, 1)


@pytest.mark.parametrize(("days_after_entry", "status", "counted"), [
    (89, ApprenticeStatus.SEEKING, False),  # the 90th day: still « inscrit »
    (90, ApprenticeStatus.SEEKING, True),   # the 91st day: « abandon »
    (91, ApprenticeStatus.SEEKING, True),
    (200, ApprenticeStatus.UNDER_CONTRACT, False),
    (200, ApprenticeStatus.RUPTURANT, False),  # a rupturant has 180 days: not this rule
])
def test_a_learner_without_contract_is_a_dropout_for_the_dashboard_from_the_91st_day(days_after_entry, status, counted):
    today = ENTRY + timedelta(days=days_after_entry)
    assert counted_as_dropout_by_tdb(status=status, training_start=ENTRY, today=today) is counted
    assert tdb_dropout_day(ENTRY) == date(2026, 11, 30)


def test_the_number_of_days_is_a_setting(settings):
    settings.TDB_DROPOUT_WITHOUT_CONTRACT_DAYS = 120
    assert tdb_dropout_day(ENTRY) == date(2026, 12, 30)
    assert counted_as_dropout_by_tdb(status=ApprenticeStatus.SEEKING, training_start=ENTRY, today=date(2026, 12, 29)) is False


@pytest.mark.django_db
@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 11, 29), False),
    (date(2026, 11, 30), True),
    (date(2026, 12, 1), True),
])
def test_the_export_check_lists_the_learners_the_dashboard_counts_as_dropouts(today, expected):
    seeking = learner(first_name="Sam", last_name="Seul")  # entered 1 Sept 2026, no contract
    hired = learner(cohort=seeking.cohort, first_name="Ali", last_name="Pris")
    contract(hired, start=date(2026, 10, 5), end=date(2028, 6, 30))
    under_contract(hired)
    # A contract signed but starting after today leaves the learner without contract today.
    later = learner(cohort=seeking.cohort, first_name="Léa", last_name="Tard")
    contract(later, start=today + timedelta(days=1), end=date(2028, 6, 30))

    check = tdb_check(school_year="2026-2027", today=today)

    listed = [(d.apprentice_id, d.since) for d in check.counted_dropouts]
    assert listed == ([(seeking.pk, date(2026, 11, 30)), (later.pk, date(2026, 11, 30))] if expected else [])


@pytest.mark.django_db
def test_the_command_reports_the_dropouts_and_the_rejected_learners(tmp_path, time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=PARIS), tick=False)
    seeking = learner(first_name="Sam", last_name="Seul")
    refused = learner(cohort=seeking.cohort, first_name="Zoé", last_name="Zed", phone="07 00 12 34 56")
    contract(refused, start=date(2026, 9, 14), end=date(2028, 6, 30))
    out = io.StringIO()

    call_command("export_tdb", "--annee-scolaire", "2026-2027", "--output", str(tmp_path / "tdb.xlsx"), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[:4] == [
        "Année scolaire 2026-2027 : 1 ligne exportée, 1 ligne rejetée.",
        "1 apprenti·e sans contrat plus de 90 jours après son entrée en formation : le tableau de bord le ou la compte en abandon.",
        f"Abandon selon le tableau de bord : Sam Seul (apprenti·e n° {seeking.pk}), depuis le 30/11/2026",
        f"Rejetée : Zoé Zed (apprenti·e n° {refused.pk})",
    ]
    assert lines[4].startswith("  - tel_apprenant : Téléphone de l'apprenti·e invalide (« 07 00 12 34 56 »)")


@pytest.mark.django_db
@pytest.mark.parametrize(("today", "shown"), [(date(2026, 11, 29), False), (date(2026, 11, 30), True)])
def test_the_placement_desk_and_the_record_say_the_dashboard_counts_the_learner_as_a_dropout(client, time_machine, today, shown):
    time_machine.move_to(datetime(today.year, today.month, today.day, 10, 0, tzinfo=PARIS), tick=False)
    world = make_world()
    seeker = ApprenticeFactory(first_name="Sam", last_name="Seul", cohort=world.a.cohort, training_start_date=ENTRY,
                               status=ApprenticeStatus.SEEKING, status_since=ENTRY)
    client.force_login(world.a.cre)

    rows = {r.apprentice.pk: r for r in client.get(reverse("companies:placement_desk")).context["rows"]}
    detail = client.get(reverse("apprentice_detail", args=[seeker.pk])).content.decode()

    assert rows[seeker.pk].tdb_dropout_since == (date(2026, 11, 30) if shown else None)
    assert ('data-testid="tdb-dropout"' in detail) is shown
    if shown:
        assert "le tableau de bord de l'apprentissage compte cet·te apprenti·e en abandon depuis le 30/11/2026" in detail
