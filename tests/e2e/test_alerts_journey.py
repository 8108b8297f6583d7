"""The coordinator triages an alert raised by the real rules on the demo data; the assignee finds it
in "Mes alertes" (badge in the menu) and resolves it with a reason."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from alerts.choices import AlertStatus
from alerts.models import Alert
from alerts.selectors import inbox_count
from alternance.models import User
from tests.e2e.test_login_roles import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coordinator_validates_and_assigns_then_the_tutor_resolves_from_its_inbox(page: Page, live_server):
    call_command("seed_demo", apprentices=40, seed=7, today=timezone.localdate().isoformat(), stdout=StringIO())
    tutor = User.objects.get(email="tuteur@demo.test")
    alert = (
        Alert.objects.filter(status=AlertStatus.NEW, apprentice__cohort__referent_tutor=tutor)
        .select_related("apprentice").order_by("rule_code", "pk").first()
    )
    assert alert is not None, "the demo must raise an alert about the demo tutor's cohorts"
    already_mine = Alert.objects.filter(assignee=tutor, status__in=("new", "validated", "assigned")).count()

    # The coordinator opens the register, narrows it and validates the alert with the bulk action.
    log_in(page, live_server.url, "coordination@demo.test")
    page.get_by_role("link", name="Alertes", exact=True).click()
    expect(page.get_by_role("heading", name="Registre des alertes")).to_be_visible()
    page.goto(f"{live_server.url}/alertes/?status=new&rule={alert.rule_code}&cohort={alert.apprentice.cohort_id}")
    page.locator(f'input[name="alerts"][value="{alert.pk}"]').check()
    page.get_by_label("Action sur les alertes cochées").select_option("validate")
    page.get_by_role("button", name="Appliquer aux alertes cochées").click()
    expect(page.get_by_text("1 alerte validée.")).to_be_visible()

    # Then assigns it to the tutor from the alert page.
    page.goto(f"{live_server.url}/alertes/{alert.pk}/")
    expect(page.get_by_test_id("alert-status")).to_have_text("Validée")
    # A searchable field (issue 13 §3): type part of the name, pick the line.
    page.get_by_role("combobox", name="Attribuer à", exact=True).fill(tutor.last_name[:4])
    page.get_by_role("option", name=re.compile(re.escape(tutor.email))).click()
    page.get_by_role("button", name="Attribuer", exact=True).click()
    expect(page.get_by_text("Alerte attribuée.")).to_be_visible()
    expect(page.get_by_test_id("alert-assignee")).to_have_text(tutor.get_full_name())
    page.get_by_test_id("current-user").click()  # the account menu
    page.get_by_role("button", name="Se déconnecter").click()

    # The tutor sees the badge, finds the alert in "Mes alertes" and resolves it.
    log_in(page, live_server.url, "tuteur@demo.test")
    badge = page.get_by_role("link", name=re.compile(r"^Mes alertes")).get_by_test_id("nav-badge")
    expect(badge).to_be_visible()
    expect(badge).to_contain_text(str(inbox_count(tutor)))
    assert inbox_count(tutor) >= already_mine + 1
    page.get_by_role("link", name=re.compile(r"^Mes alertes")).first.click()
    expect(page.get_by_role("heading", name="Mes alertes")).to_be_visible()
    row = page.get_by_test_id("inbox").get_by_role("row").filter(has=page.locator(f'a[href="/alertes/{alert.pk}/"]'))
    expect(row).to_contain_text("Attribuée à vous")
    row.get_by_role("link", name=alert.title).click()
    page.get_by_label("Ce qui a été fait").fill("Appel de l'apprenti·e et de l'employeur ; justificatifs demandés.")
    page.get_by_role("button", name="Résoudre").click()
    expect(page.get_by_text("Alerte résolue.")).to_be_visible()
    expect(page.get_by_test_id("alert-status")).to_have_text("Résolue")

    alert.refresh_from_db()
    assert (alert.status, alert.assignee_id, alert.closed_by_id) == (AlertStatus.RESOLVED, tutor.pk, tutor.pk)
    assert alert.resolution_reason == "Appel de l'apprenti·e et de l'employeur ; justificatifs demandés."
    assert list(alert.events.exclude(author=None).order_by("pk").values_list("from_status", "to_status", "author__email")) == [
        ("new", "validated", "coordination@demo.test"),
        ("validated", "assigned", "coordination@demo.test"),
        ("assigned", "resolved", "tuteur@demo.test"),
    ]
