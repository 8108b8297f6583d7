"""Open redirect (issue 17 §12): every view that redirects to a posted ``next`` keeps it only when it
stays on this site; ``//evil.example/…``, an absolute URL elsewhere or a ``javascript:`` URL falls
back to the page's own list."""

from datetime import date, datetime

import pytest
from django.urls import reverse

from tests.factories.companies import InteractionFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db
OFF_SITE = ["//evil.example/phish", "https://evil.example/phish", "http://evil.example", "javascript:alert(1)", "/\\evil.example"]


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.mark.parametrize(("target", "expected"), [(t, None) for t in OFF_SITE] + [("/entreprises/?q=alpha", "/entreprises/?q=alpha")])
def test_follow_up_done_redirects_only_on_site(client, target, expected):
    world = make_world()
    interaction = InteractionFactory(company=world.a.company, author=world.a.cre, next_follow_up=date(2026, 11, 27))
    client.force_login(world.a.cre)

    response = client.post(reverse("companies:follow_up_done", args=[interaction.pk]), {"next": target})

    assert response.status_code == 302
    assert response["Location"] == (expected or reverse("companies:follow_ups"))


@pytest.mark.parametrize(("target", "expected"), [(t, None) for t in OFF_SITE] + [("/alertes/?rule=opco_delay", "/alertes/?rule=opco_delay")])
def test_alert_bulk_action_redirects_only_on_site(client, target, expected):
    world = make_world()
    client.force_login(world.coordinator)

    # An empty selection: the form refuses it and sends the user back to the register.
    response = client.post(reverse("alerts:alert_bulk"), {"action": "validate", "next": target})

    assert response.status_code == 302
    assert response["Location"] == (expected or reverse("alerts:alert_list"))
