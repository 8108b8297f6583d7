"""The staff menu fits the screen: at 1200, 1280 and 1400 px no role's home page scrolls sideways and
the account menu (the last entry of the bar) is on screen, badges included."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page

from tests.e2e.test_login_roles import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAFF = ("coordination@demo.test", "administratif@demo.test", "cre@demo.test", "tuteur@demo.test")


def test_every_staff_menu_fits_from_1200_to_1400_px(page: Page, live_server):
    call_command("seed_demo", apprentices=40, seed=7, today=timezone.localdate().isoformat(), stdout=StringIO())
    overflowing = []
    for email in STAFF:
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 800})
        log_in(page, live_server.url, email)
        for width in (1200, 1280, 1400):
            page.set_viewport_size({"width": width, "height": 800})
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            account = page.locator(".navbar .dropdown-toggle").last.bounding_box()
            if scroll_width > width or account is None or account["x"] + account["width"] > width:
                overflowing.append((email, width, scroll_width))
    assert overflowing == []
