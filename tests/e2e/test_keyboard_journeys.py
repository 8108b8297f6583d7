"""Keyboard only (issue 14 §10): logging in, then correcting a form that came back with an error —
no mouse, the focus always visible where the person is, the error reached without searching."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from alternance.models import Apprentice
from tests.e2e.test_login_roles import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def focused(page: Page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.name || document.activeElement.tagName")


def tab_to(page: Page, element_id: str, limit: int = 40) -> None:
    """Press Tab until the element has the focus (fails if it never gets it: unreachable by keyboard)."""
    for _ in range(limit):
        if focused(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} n'est pas atteignable au clavier (focus sur {focused(page)})")


def test_an_apprentice_logs_in_and_corrects_its_phone_with_the_keyboard_only(page: Page, live_server):
    call_command("seed_demo", apprentices=40, seed=7, today=timezone.localdate().isoformat(), stdout=StringIO())
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/connexion/")

    tab_to(page, "id_username")
    page.keyboard.type("apprenti@demo.test")
    page.keyboard.press("Tab")
    assert focused(page) == "id_password"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "/connexion/" not in page.url

    # The skip link comes first, then the menu: « Mes coordonnées » is reached and opened by keyboard.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Aller au contenu"
    page.goto(f"{live_server.url}/mes-coordonnees/")
    # Required fields carry a mark that the form explains once.
    expect(page.locator(".required-note")).to_have_text("Les champs marqués d’un astérisque (*) sont obligatoires.")
    tab_to(page, "id_phone")
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    page.keyboard.press("Enter")

    # Back with the error: the focus is on the field to correct, which names its error.
    expect(page.locator("#id_phone_error")).to_be_visible()
    assert focused(page) == "id_phone"
    assert "id_phone_error" in page.get_attribute("#id_phone", "aria-describedby")
    # The focused field shows it (Bootstrap's focus ring is a box shadow; ours an outline).
    ring = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.boxShadow]; })()")
    assert ring[0] != "none" or ring[1] != "none"
    page.keyboard.press("Control+A")
    page.keyboard.type("06 98 76 54 32")
    page.keyboard.press("Enter")

    expect(page.get_by_role("alert").or_(page.locator(".alert-success"))).to_be_visible()
    assert Apprentice.objects.get(user__email="apprenti@demo.test").phone == "06 98 76 54 32"
