"""The coordinator opens the steering dashboard from its home page and drills into a figure: the
filtered list behind it has as many rows as the figure says (issue 5, "What it must show")."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from alternance.choices import ApprenticeStatus
from alternance.models import Apprentice
from tests.e2e.test_login_roles import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path("/tmp/dashboard.png")


def test_coordinator_drills_from_the_dashboard_into_apprentices_without_a_company(page: Page, live_server):
    call_command("seed_demo", apprentices=40, seed=7, today=timezone.localdate().isoformat(), stdout=StringIO())
    seeking = Apprentice.objects.filter(status=ApprenticeStatus.SEEKING).count()
    assert 0 < seeking <= 25  # one page of the list

    log_in(page, live_server.url, "coordination@demo.test")
    page.get_by_test_id("dashboard-link").click()

    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pilotage de l'alternance")
    row = page.locator('tr[data-indicator="without_company"]')
    figure = row.get_by_test_id("figure-link")
    expect(figure).to_have_text(str(seeking))
    expect(page.locator("svg.bar-chart rect.bar")).to_have_count(24)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    figure.click()

    expect(page).to_have_url(f"{live_server.url}/apprenti-es/?status=seeking")
    expect(page.locator("main table tbody tr")).to_have_count(seeking)
