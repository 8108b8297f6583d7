"""Content-Security-Policy in Chromium (issue 17 §11): the pages satisfy the strict policy.

- ``CspWatch`` collects every violation Chromium reports, through a ``securitypolicyviolation``
  listener installed before any script of the page runs, and through the console. The walk over every
  page of each demo account's menu (and one page of each kind reachable from it) in
  ``test_pages_fit_and_accessible.py`` uses it: any violation on any of those pages fails that walk.
- Here: the watch itself is proven to see a violation (a check that sees nothing passes too), then
  the behaviours that a static walk does not trigger run under the policy — htmx partial updates,
  Bootstrap's collapse and dropdowns, the confirmation before a deletion, the list that submits
  itself, the copy button, print rules — and each still does its job.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from alternance.models import Apprentice, ClosurePeriod, User
from tests.e2e.test_login_roles import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Installed in every document before its own scripts (Playwright's init scripts are not subject to the
# page's policy): each violation is kept with its directive, what was blocked and where.
LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.effectiveDirective} refusé : ${e.blockedURI || "inline"} (${e.sourceFile || location.pathname}:${e.lineNumber})`);
});
"""


class CspWatch:
    """Violations seen in a page, read after each navigation or interaction (the listener's list
    lives in the document; the console messages are kept here across navigations)."""

    def __init__(self, page: Page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(LISTENER)
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def violations(self) -> list[str]:
        """Everything reported since the last call (the lists are emptied)."""
        events = self.page.evaluate("() => (window.__cspViolations || []).splice(0)")
        console, self.console = self.console, []
        return [f"{self.page.url} : {event}" for event in events] + [f"{self.page.url} : console : {text}" for text in console]


def seed() -> None:
    call_command("seed_demo", apprentices=40, seed=7, today=timezone.localdate().isoformat(), stdout=StringIO())


def test_the_watch_sees_what_the_policy_refuses(page: Page, live_server):
    """The server sends the policy and the browser enforces it: an inline script, an inline style
    and an eval are each refused, and the watch reports all three (in the event list and the console)."""
    watch = CspWatch(page)
    page.goto(f"{live_server.url}/connexion/")
    assert watch.violations() == []

    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__inlineRan = true";
        document.body.appendChild(script);
        document.body.setAttribute("style", "background: red");
        try { window.setTimeout("window.__evalRan = true", 0); } catch (e) {}
    }""")
    page.wait_for_timeout(200)

    assert page.evaluate("() => [window.__inlineRan === true, window.__evalRan === true]") == [False, False]
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    seen = watch.violations()
    events = [line for line in seen if " : console : " not in line]
    assert sorted(event.split(" ")[2] for event in events) == ["script-src", "script-src-elem", "style-src-attr"]
    assert len([line for line in seen if " : console : " in line]) == 3


def test_interactive_behaviours_work_under_the_policy_without_violation(page: Page, live_server):
    seed()
    watch = CspWatch(page)
    coordinator = User.objects.get(email="coordination@demo.test")
    problems: list[str] = []

    # On a phone, Bootstrap's collapse opens the menu and its dropdown opens the account menu.
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, live_server.url, coordinator.email)
    page.get_by_role("button", name="Afficher le menu").click()
    expect(page.locator("#menu-principal.collapse.show")).to_be_visible()  # the transition is over
    page.get_by_test_id("current-user").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    problems += watch.violations()
    page.set_viewport_size({"width": 1280, "height": 900})

    # htmx: the filter form swaps the results in place as one types, the search box fills its list.
    page.goto(f"{live_server.url}{reverse('companies:company_list')}")
    rows_before = page.locator("#resultats tbody tr").count()
    with page.expect_response(lambda r: "q=zzzz-aucune" in r.url):
        page.locator("main input[name=q]").press_sequentially("zzzz-aucune")
    expect(page.locator("#resultats tbody tr")).to_have_count(0)
    assert rows_before > 0
    apprentice = Apprentice.objects.order_by("pk").first()
    page.locator("#nav-search-input").fill(apprentice.last_name)
    expect(page.locator("#nav-search-listbox")).to_be_visible()
    expect(page.locator("#nav-search-listbox [role=option]").first).to_contain_text(apprentice.last_name, ignore_case=True)
    problems += watch.violations()

    # A list that submits itself when an option is chosen (it used to be an onchange="…").
    cre = User.objects.get(email="cre@demo.test")
    page.goto(f"{live_server.url}{reverse('companies:portfolio_reassign')}")
    page.get_by_label("Portefeuille de").select_option(str(cre.pk))
    expect(page).to_have_url(f"{live_server.url}{reverse('companies:portfolio_reassign')}?from={cre.pk}")
    problems += watch.violations()

    # The confirmation before a deletion (an onsubmit="…" before): « Annuler » keeps the closure, « OK » deletes it.
    page.goto(f"{live_server.url}{reverse('closure_list')}")
    closures = ClosurePeriod.objects.filter(end_date__gte=timezone.localdate()).order_by("start_date", "pk")
    first = closures.first()
    count = ClosurePeriod.objects.count()
    delete = page.get_by_role("button", name=f"Supprimer — {first.label}").first
    page.once("dialog", lambda dialog: dialog.dismiss())
    delete.click()
    page.wait_for_timeout(300)
    assert ClosurePeriod.objects.count() == count
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    with page.expect_navigation():
        delete.click()
    assert messages == ["Supprimer cette fermeture ?"]
    assert ClosurePeriod.objects.count() == count - 1
    assert not ClosurePeriod.objects.filter(pk=first.pk).exists()
    problems += watch.violations()

    # The copy button and the address selected whole on focus (onclick / onfocus before).
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}{reverse('calendar_feed_manage')}")
    page.get_by_role("button", name="Créer mon adresse d'abonnement").click()
    address = page.locator("#ics-url")
    copy = page.get_by_role("button", name="Copier")
    copy.click()
    expect(page.get_by_role("button", name="Copiée")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == address.input_value()
    address.focus()
    assert page.evaluate("() => { const f = document.getElementById('ics-url'); return [f.selectionStart, f.selectionEnd]; }") == [0, len(address.input_value())]
    problems += watch.violations()

    # Print rules (a <style media="print"> before): the weekly meeting prints without the navigation.
    page.goto(f"{live_server.url}{reverse('weekly_meeting')}")
    expect(page.locator("nav.navbar")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    page.emulate_media(media="screen")
    problems += watch.violations()

    assert problems == []


def test_tokens_page_keeps_the_new_key_selectable_under_the_policy(page: Page, live_server):
    """The API key shown once is selected whole when it takes the focus (onfocus="…" before)."""
    seed()
    watch = CspWatch(page)
    log_in(page, live_server.url, "coordination@demo.test")
    page.goto(f"{live_server.url}{reverse('api:token_list')}")
    page.locator("#id_label").fill("Tableur du service")
    page.get_by_role("button", name="Créer la clé").click()
    key = page.get_by_test_id("clear-token")
    key.focus()

    length = len(key.input_value())
    assert length > 20
    assert page.evaluate("() => { const f = document.getElementById('cle-creee'); return [f.selectionStart, f.selectionEnd]; }") == [0, length]
    assert watch.violations() == []
