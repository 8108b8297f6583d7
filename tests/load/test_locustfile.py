"""Issue 18 §4: the load test's sessions cover the six demo roles (8 sessions) and read each role's
menu from the page exactly as ``menu_for`` builds it. No network, no server: the locustfile is
imported in a child process (locust monkey-patches the standard library with gevent on import),
and the menu parser reads pages rendered by Django's test client."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from alternance.choices import Role
from alternance.navigation import menu_for
from tests.factories.alternance import UserFactory
from tests.load.menu import csrf_token, menu_links

ROOT = Path(__file__).resolve().parents[2]
DEMO_ROLES = {
    "coordination@demo.test": Role.COORDINATOR,
    "cre@demo.test": Role.CRE,
    "tuteur@demo.test": Role.TUTOR,
    "administratif@demo.test": Role.ADMIN_STAFF,
    "apprenti@demo.test": Role.APPRENTICE,
    "employeur@demo.test": Role.EMPLOYER,
}


def test_the_sessions_are_the_six_demo_roles_eight_in_all_with_two_admin_staff_and_two_tutors():
    script = (
        "import json\n"
        "from locust import HttpUser\n"
        "from tests.load import locustfile\n"
        "users = [v for v in vars(locustfile).values() if isinstance(v, type) and issubclass(v, HttpUser) and not v.abstract]\n"
        "print(json.dumps({u.email: u.fixed_count for u in users}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )

    sessions = json.loads(done.stdout.splitlines()[-1])
    assert sessions == {
        "coordination@demo.test": 1,
        "cre@demo.test": 1,
        "tuteur@demo.test": 2,
        "administratif@demo.test": 2,
        "apprenti@demo.test": 1,
        "employeur@demo.test": 1,
    }
    assert sum(sessions.values()) == 8


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(DEMO_ROLES.values()))
def test_a_session_reads_its_roles_menu_from_the_home_page(client, role):
    user = UserFactory(role=role)
    client.force_login(user)

    html = client.get(reverse("home")).content.decode()

    expected = list(
        dict.fromkeys(entry.url.split("#")[0] for item in menu_for(user) for entry in (item.children or (item,)))
    )
    assert menu_links(html) == expected


@pytest.mark.django_db
def test_the_login_form_gives_its_csrf_token(client):
    client.cookies.clear()

    html = client.get(reverse("login")).content.decode()

    token = csrf_token(html)
    assert len(token) == 64 and f'name="csrfmiddlewaretoken" value="{token}"' in html
