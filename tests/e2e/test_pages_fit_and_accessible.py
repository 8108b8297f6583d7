"""Every page of each demo account's menu, in Chromium: it fits the screen and passes an automated
accessibility audit (issue 14 §7 and §10).

- Staff pages at 1 280 px, extranet pages at 390 px: the page never scrolls sideways (a wide table
  scrolls inside its own frame, which then takes the keyboard focus); on the phone, no link, button
  or field sits beyond the right edge, even inside such a frame.
- axe-core (the WCAG 2.1 A and AA rules) runs on each page: no serious or critical violation.
  axe-core comes from the ``axe-playwright-python`` wheel (the npm package's ``axe.min.js``), injected
  into the page by Playwright — nothing is fetched from a CDN.
"""

from io import StringIO

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page

from alternance.models import User
from alternance.navigation import menu_for
from tests.e2e.test_login_roles import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ACCOUNTS = {
    "coordination@demo.test": 1280, "administratif@demo.test": 1280, "cre@demo.test": 1280, "tuteur@demo.test": 1280,
    "apprenti@demo.test": 390, "employeur@demo.test": 390,
}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}
# Interactive elements that must be within the screen's width (visible ones only).
OFF_SCREEN = """(width) => Array.from(document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea'))
  .filter((el) => el.offsetParent !== null && !el.closest('.dropdown-menu:not(.show)') && !el.closest('.visually-hidden-focusable'))
  .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > width + 1; })
  .map((el) => (el.innerText || el.value || el.name || el.getAttribute('aria-label') || el.tagName).trim().slice(0, 40))"""


def pages_of(email: str) -> list[str]:
    urls = ["/"]
    for item in menu_for(User.objects.get(email=email)):
        for entry in (item, *item.children):
            if entry.url and entry.url not in urls:
                urls.append(entry.url)
    return urls


def audit(page: Page) -> list[str]:
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}) ×{len(v['nodes'])} : {v['nodes'][0]['target']} — {v['help']}"
        for v in results["violations"] if v["impact"] in ("serious", "critical")
    ]


def test_every_menu_page_fits_its_screen_and_passes_the_accessibility_audit(page: Page, live_server):
    call_command("seed_demo", apprentices=40, seed=7, today=timezone.localdate().isoformat(), stdout=StringIO())
    problems = []
    for email, width in ACCOUNTS.items():
        page.context.clear_cookies()
        page.set_viewport_size({"width": width, "height": 900})
        log_in(page, live_server.url, email)
        for url in pages_of(email):
            page.goto(f"{live_server.url}{url}")
            page.wait_for_load_state("networkidle")
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                problems.append(f"{email} {url} : la page fait {scroll_width} px de large à {width} px")
            # On a phone no action may sit beyond the edge, even inside a frame that scrolls (issue 14 §7).
            off = page.evaluate(OFF_SCREEN, width) if width < 768 else []
            if off:
                problems.append(f"{email} {url} : hors de l'écran à {width} px : {off[:5]}")
            problems += [f"{email} {url} : {violation}" for violation in audit(page)]
    assert problems == []
