"""Load test (issue 18 §4): eight logged-in sessions of the demo's six roles clicking through their
menu, against gunicorn with the production settings — ``make loadtest`` (tests/load/run.sh).

The mix: coordinator, CRE, apprentice and employer one session each; admin staff and tutor two
each (the team's most numerous daily users): 8 sessions. Each session logs in through the real
login form (CSRF token, django-axes, the second-factor gate: the demo accounts have no second
factor), reads its menu from the home page as a person sees it (the links of the navigation bar,
the « Outils » drop-down included) and then opens its menu pages one after the other, in a loop,
with a short random wait (``LOADTEST_WAIT_MAX`` seconds at most, 0.1 by default). Anything but a
200 on a page (a redirect to the login page included) is an error; locust then exits with 1.

gunicorn is reached over plain HTTP on the loopback as a TLS-terminating proxy would reach it:
every request says ``X-Forwarded-Proto: https`` (``SECURE_PROXY_SSL_HEADER``) and the login post
carries the ``Origin`` of the site, and the session and CSRF cookies, marked ``Secure`` by the
production settings, are sent back over that loopback connection.
"""

from __future__ import annotations

import itertools
import os
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

from tests.load.menu import csrf_token, menu_links

PASSWORD = "demo"  # every demo account's password (README « Demo accounts »)
WAIT_MAX = float(os.environ.get("LOADTEST_WAIT_MAX", "0.1"))
LOGIN_URL = "/connexion/"


class LoggedInUser(HttpUser):
    """Someone of the demo organisation logged in through the real form (the sign-in test's users too)."""

    abstract = True
    email = ""

    def log_in(self) -> None:
        """Through the real login form (its CSRF token), as ``self.email``; a refusal is an error."""
        site = urlsplit(self.host)
        self.client.headers.update({"X-Forwarded-Proto": "https", "Origin": f"https://{site.netloc}"})
        form = self.client.get(LOGIN_URL, name=f"{LOGIN_URL} (formulaire)")
        self.send_back_secure_cookies()
        data = {"username": self.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(form.text)}
        with self.client.post(
            LOGIN_URL, data=data, name=f"{LOGIN_URL} (envoi)", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"connexion de {self.email} refusée (HTTP {response.status_code})")
        self.send_back_secure_cookies()

    def send_back_secure_cookies(self) -> None:
        """The production settings mark the session and CSRF cookies ``Secure``, which a client keeps
        off plain HTTP; this client plays the TLS proxy, so it sends them back over the loopback."""
        for cookie in self.client.cookies:
            cookie.secure = False


class DemoSession(LoggedInUser):
    """One person of the demo organisation, logged in with their own session."""

    abstract = True
    wait_time = between(0, WAIT_MAX)

    def on_start(self) -> None:
        self.log_in()
        home = self.client.get("/", name="/", allow_redirects=False)
        self.pages = menu_links(home.text) if home.status_code == 200 else []
        if not self.pages:
            events.request.fire(
                request_type="MENU",
                name=self.email,
                response_time=0,
                response_length=0,
                exception=RuntimeError(f"aucun menu pour {self.email} (HTTP {home.status_code})"),
                context={},
            )
            self.pages = ["/"]
        self.next_pages = itertools.cycle(self.pages)

    @task
    def open_next_menu_page(self) -> None:
        url = next(self.next_pages)
        with self.client.get(url, name=url, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
        self.send_back_secure_cookies()


class Coordinator(DemoSession):
    email = "coordination@demo.test"
    fixed_count = 1


class Cre(DemoSession):
    email = "cre@demo.test"
    fixed_count = 1


class Tutor(DemoSession):
    email = "tuteur@demo.test"
    fixed_count = 2


class AdminStaff(DemoSession):
    email = "administratif@demo.test"
    fixed_count = 2


class Apprentice(DemoSession):
    email = "apprenti@demo.test"
    fixed_count = 1


class Employer(DemoSession):
    email = "employeur@demo.test"
    fixed_count = 1


SESSIONS = (Coordinator, Cre, Tutor, AdminStaff, Apprentice, Employer)


@events.quitting.add_listener
def print_summary(environment, **_kwargs) -> None:
    """One line to read (and to copy into the README): throughput, percentiles, errors."""
    total = environment.stats.total
    if not total.num_requests:
        print("Charge : aucune requête envoyée.")
        return
    percentiles = " / ".join(f"{total.get_response_time_percentile(p):.0f}" for p in (0.5, 0.95, 0.99))
    print(
        f"Charge : {total.num_requests} requêtes, {total.total_rps:.1f} req/s, "
        f"p50 / p95 / p99 : {percentiles} ms, erreurs : {total.num_failures}"
    )
    for error in environment.stats.errors.values():
        print(f"  erreur ×{error.occurrences} : {error.method} {error.name} — {error.error}")
