"""Every page of each demo account's menu, in Chromium: it fits the screen and passes an automated
accessibility audit (issue 14 §7 and §10).

- Staff pages at 1 280 px, extranet pages at 390 px: the page never scrolls sideways (a wide table
  scrolls inside its own frame, which then takes the keyboard focus); on the phone, no link, button
  or field sits beyond the right edge, even inside such a frame.
- Beyond the menu, one page of every kind reachable from it (detail pages) is checked the same way.
- No Content-Security-Policy violation on any of these pages (issue 17 §11, ``CspWatch`` of test_csp.py).
- axe-core (the WCAG 2.1 A and AA rules) runs on each page: no serious or critical violation.
  axe-core comes from the ``axe-playwright-python`` wheel (the npm package's ``axe.min.js``), injected
  into the page by Playwright — nothing is fetched from a CDN.
"""

from io import StringIO

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.core.management import call_command
from django.urls import Resolver404, resolve
from django.utils import timezone
from playwright.sync_api import Page

from alternance.models import User
from alternance.navigation import menu_for
from tests.e2e.test_csp import CspWatch
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
    # After a click that navigates, the new page's text can be there before its stylesheets: axe
    # would judge the contrast of the unstyled bar (a CI flake under load). The page's load event
    # comes after its stylesheets.
    page.wait_for_load_state("load")
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}) ×{len(v['nodes'])} : {v['nodes'][0]['target']} — {v['help']}"
        for v in results["violations"] if v["impact"] in ("serious", "critical")
    ]


# Links that change the session are not pages to look at.
SKIPPED_ROUTES = ("deconnexion/",)
LINKS = """() => Array.from(document.querySelectorAll('main a[href]'))
  .map((a) => new URL(a.href, location.href))
  .filter((u) => u.origin === location.origin)
  .map((u) => u.pathname)"""


def route_of(path: str) -> str | None:
    try:
        return resolve(path.split("?")[0]).route
    except Resolver404:
        return None


def check_page(page: Page, email: str, width: int) -> list[str]:
    problems = []
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        problems.append(f"la page fait {scroll_width} px de large à {width} px")
    # On a phone no action may sit beyond the edge, even inside a frame that scrolls (issue 14 §7).
    off = page.evaluate(OFF_SCREEN, width) if width < 768 else []
    if off:
        problems.append(f"hors de l'écran à {width} px : {off[:5]}")
    return problems + audit(page)


def test_every_page_of_each_account_fits_its_screen_and_passes_the_accessibility_audit(page: Page, live_server):
    """The menu's pages, then one page of every kind reachable from them (a learner, a contract, a
    visit, a document…): one click away for the staff, two for the extranet."""
    call_command("seed_demo", apprentices=40, seed=7, today=timezone.localdate().isoformat(), stdout=StringIO())
    problems, detail_pages_checked = [], {}
    csp = CspWatch(page)
    for email, width in ACCOUNTS.items():
        page.context.clear_cookies()
        page.set_viewport_size({"width": width, "height": 900})
        log_in(page, live_server.url, email)
        max_depth = 2 if width < 768 else 1
        queue = [(url, 0) for url in pages_of(email)]
        seen_routes = {route_of(url) for url, _ in queue}
        detail_pages_checked[email] = 0
        while queue:
            url, depth = queue.pop(0)
            page.goto(f"{live_server.url}{url}")
            page.wait_for_load_state("networkidle")
            problems += [f"{email} {url} : {problem}" for problem in check_page(page, email, width)]
            problems += [f"{email} CSP {violation}" for violation in csp.violations()]
            if depth == max_depth:
                continue
            for path in page.evaluate(LINKS):
                route = route_of(path)
                if route is None or route in seen_routes or route.startswith(SKIPPED_ROUTES):
                    continue
                seen_routes.add(route)
                # Downloads (PDF, ICS, CSV…) are not pages: ask the server before opening them.
                response = page.request.get(f"{live_server.url}{path}")
                if response.ok and response.headers.get("content-type", "").startswith("text/html"):
                    queue.append((path, depth + 1))
                    detail_pages_checked[email] += 1
    # The walk really reached detail pages for every account (a broken link collector would pass silently).
    assert all(count >= 2 for count in detail_pages_checked.values()), detail_pages_checked
    assert problems == []
