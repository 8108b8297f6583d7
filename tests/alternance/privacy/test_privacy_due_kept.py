"""The « Dossiers à anonymiser » page's lists, kept an hour (issue 18 §2): the page says when they
were computed, an anonymised record leaves them at once, a record whose retention is no longer over
stays listed until the next computation but its anonymisation is refused (each record is checked
again, exactly), and after an hour — or an anonymisation — they are computed again."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from alternance.models import Apprentice
from alternance.privacy import selectors
from alternance.privacy.retention import add_years
from contracts.models import Contract
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

CONTRACT_END = date(2028, 8, 31)
DUE_DAY = date.fromordinal(add_years(CONTRACT_END, 5).toordinal() + 1)  # 1 September 2033


def listed(client) -> tuple[list[int], str]:
    response = client.get(reverse("privacy_due"))
    assert response.status_code == 200
    return [r.subject.pk for r in response.context["apprentices"]], response.content.decode()


def test_the_lists_are_kept_an_hour_and_the_action_checks_each_record_again(world, client, time_machine):
    time_machine.move_to(datetime(2033, 9, 1, 10, 0, tzinfo=PARIS), tick=False)
    client.force_login(world.coordinator)
    apprentice = world.a.apprentice
    first, page = listed(client)
    assert apprentice.pk in first
    assert "Liste établie à 10:00, recalculée chaque heure" in page

    # A new contract: its retention is not over any more. The kept list still shows it for the hour…
    Contract.objects.filter(apprentice=apprentice).update(end_date=date(2034, 8, 31))
    time_machine.move_to(datetime(2033, 9, 1, 10, 59, tzinfo=PARIS), tick=False)
    assert apprentice.pk in listed(client)[0]
    # …but anonymising it is refused, checked on the record itself.
    response = client.post(reverse("privacy_anonymise_apprentice", args=[apprentice.pk]), follow=True)
    assert "La durée de conservation de ce dossier n&#x27;est pas terminée" in response.content.decode()
    assert Apprentice.objects.get(pk=apprentice.pk).anonymised_at is None

    # An hour after the computation the lists are computed again.
    time_machine.move_to(datetime(2033, 9, 1, 11, 0, 1, tzinfo=PARIS), tick=False)
    again, page = listed(client)
    assert apprentice.pk not in again
    assert "Liste établie à 11:00" in page
    assert set(first) - set(again) == {apprentice.pk}


def test_an_anonymised_record_leaves_the_kept_lists_at_once(world, client, time_machine):
    time_machine.move_to(datetime(2033, 9, 1, 10, 0, tzinfo=PARIS), tick=False)
    client.force_login(world.coordinator)
    before = listed(client)[0]
    apprentice_pk = world.a.apprentice.pk
    assert apprentice_pk in before

    response = client.post(reverse("privacy_anonymise_apprentice", args=[apprentice_pk]), follow=True)

    assert f"Le dossier n° {apprentice_pk} a été anonymisé." in response.content.decode()
    after, page = listed(client)
    assert after == [pk for pk in before if pk != apprentice_pk]
    assert Apprentice.objects.get(pk=apprentice_pk).anonymised_at is not None


def test_the_kept_lists_are_per_person_and_day(world, time_machine):
    time_machine.move_to(datetime(2033, 9, 1, 10, 0, tzinfo=PARIS), tick=False)
    now = datetime(2033, 9, 1, 10, 0, tzinfo=PARIS)
    coordinator = selectors.due_lists(today=DUE_DAY, user=world.coordinator, now=now)
    day_before = selectors.due_lists(today=DUE_DAY - timedelta(days=1), user=world.coordinator, now=now)
    tutor = selectors.due_lists(today=DUE_DAY, user=world.a.tutor, now=now)

    assert world.a.apprentice.pk in [r.subject.pk for r in coordinator.apprentices]
    assert world.a.apprentice.pk not in [r.subject.pk for r in day_before.apprentices]
    assert [r.subject.pk for r in tutor.apprentices] == [r.subject.pk for r in selectors.apprentices_due(today=DUE_DAY, user=world.a.tutor)]
    assert [(r.subject.pk, r.last_day, r.retention_end) for r in coordinator.apprentices] == [
        (r.subject.pk, r.last_day, r.retention_end) for r in selectors.apprentices_due(today=DUE_DAY, user=world.coordinator)
    ]
