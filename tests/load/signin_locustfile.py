"""Sign-in load test (issue 19 §4): ``make loadtest-signin`` (tests/load/run.sh with
LOADTEST_SCENARIO=signin). The plan (``manage.py loadtest_signin setup``) opened one session per
cohort; here:

- one **screen** per session: its trainer, logged in, asks for the code partial every 5 s as the
  room's screen does (htmx polling) and the list of lines every 5 s, and publishes the code it reads;
- each **apprentice** of the plan logs in first (phones stay logged in: the logins, each a password
  hash, are not the minute measured), then, at its turn within the LOADTEST_SECONDS that follow
  the LOADTEST_LOGIN_SECONDS of logins, opens « Émarger », types the code its room shows and signs
  once, then stops: 200 sign in within a minute.

Any refusal (the form shown again with its reason, instead of the redirection) is an error. ``manage.py
loadtest_signin report`` then checks one signature per apprentice in the database.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path

from locust import between, events, task
from locust.exception import StopUser

import tests.load.locustfile as base  # the login and the summary line (its user classes stay there)
from tests.load.menu import csrf_token

PLAN = json.loads(Path(os.environ["LOADTEST_SIGNIN_PLAN"]).read_text(encoding="utf-8"))
CODES: dict[int, str] = {}  # session pk → the code its screen shows now
CODE = re.compile(r'data-testid="signin-code"[^>]*>([0-9 ]+)<')
REFUSAL = re.compile(r'id="code-error"[^>]*>\s*<div>([^<]+)<')
_next_apprentice = iter(enumerate(PLAN["apprentices"]))
_next_screen = iter(PLAN["sessions"])
_lock = threading.Lock()
LOGIN_SECONDS = float(os.environ.get("LOADTEST_LOGIN_SECONDS", "60"))
SIGN_SECONDS = float(os.environ.get("LOADTEST_SECONDS", "60"))
SIGNING_STARTS = time.time() + LOGIN_SECONDS  # the module is imported when locust starts
SIGNATURE = "/emargement/ (signature)"


class Screen(base.LoggedInUser):
    """The trainer's page on the room's screen."""

    fixed_count = len(PLAN["sessions"])
    wait_time = between(5, 5)

    def on_start(self) -> None:
        with _lock:
            session = next(_next_screen)
        self.email, self.session_pk = session["trainer"], session["pk"]
        self.log_in()

    @task
    def poll(self) -> None:
        with self.client.get(f"/seances/{self.session_pk}/emargement/code/", name="écran : code", catch_response=True) as response:
            found = CODE.search(response.text or "")
            if response.status_code != 200 or not found:
                response.failure(f"pas de code (HTTP {response.status_code})")
            else:
                CODES[self.session_pk] = found.group(1).replace(" ", "")
        self.client.get(f"/seances/{self.session_pk}/emargement/lignes/", name="écran : lignes")
        self.send_back_secure_cookies()


class SigningApprentice(base.LoggedInUser):
    """One apprentice of the plan: log in, « Émarger », type the code, sign, stop."""

    weight = 1
    wait_time = between(0, 1)

    def on_start(self) -> None:
        with _lock:
            index, entry = next(_next_apprentice, (None, None))
        if entry is None:
            raise StopUser()
        self.email, self.session_pk = entry["email"], entry["session"]
        self.turn = SIGNING_STARTS + index * SIGN_SECONDS / len(PLAN["apprentices"])
        self.log_in()

    @task
    def sign(self) -> None:
        time.sleep(max(0.0, self.turn - time.time()))
        for _ in range(100):  # the screen publishes its first code within a few seconds
            if self.session_pk in CODES:
                break
            time.sleep(0.1)
        form = self.client.get("/emargement/", name="/emargement/ (formulaire)")
        self.send_back_secure_cookies()
        data = {"code": CODES.get(self.session_pk, ""), "csrfmiddlewaretoken": csrf_token(form.text)}
        with self.client.post("/emargement/", data=data, name=SIGNATURE, allow_redirects=False,
                              catch_response=True) as response:
            # Signed: the page redirects to « Émarger » (its message in a cookie); refused: the form again, with the reason.
            if response.status_code != 302:
                refusal = REFUSAL.search(response.text or "")
                response.failure(f"signature refusée : {refusal.group(1) if refusal else f'HTTP {response.status_code}'}")
        raise StopUser()


@events.quitting.add_listener
def print_signature_figures(environment, **_kwargs) -> None:
    """The figure of issue 19 §4: the sign-ins themselves (the base file prints the whole run's line)."""
    entry = environment.stats.get(SIGNATURE, "POST")
    if entry.num_requests:
        percentiles = " / ".join(f"{entry.get_response_time_percentile(p):.0f}" for p in (0.5, 0.95, 0.99))
        print(f"Émargement : {entry.num_requests} signatures en {SIGN_SECONDS:.0f} s, p50 / p95 / p99 : {percentiles} ms, "
              f"refus : {entry.num_failures}")
