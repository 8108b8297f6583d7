"""Login throttling, throttled password reset, the staff's second factor and the coordinator's rule
(issue 17 §9), through the real login form and pages."""

import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from alternance.accounts import services
from alternance.choices import Role
from alternance.models import PasswordResetRequest, SecuritySettings
from tests.factories.alternance import UserFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-42"
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
LIMIT = 5  # LOGIN_FAILURE_LIMIT_PER_ACCOUNT (the default setting)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def tutor():
    return UserFactory(email="camille.tutrice@example.test", role=Role.TUTOR)


def log_in(client, email, password=PASSWORD, ip="203.0.113.7", **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- throttling per account -------------------------------------------------------------------------


def test_limit_minus_one_failures_still_let_the_right_password_in(client, tutor):
    for _ in range(LIMIT - 1):
        assert log_in(client, tutor.email, "faux").status_code == 200

    response = log_in(client, tutor.email)

    assert response.status_code == 302 and response.url == reverse("home")
    assert logged_in(client)


def test_the_limit_th_failure_locks_the_account_with_a_french_message_saying_when(client, tutor):
    for _ in range(LIMIT - 1):
        log_in(client, tutor.email, "faux")

    at_limit = log_in(client, "Camille.TUTRICE@example.test", "faux")  # the same account, whatever the case
    beyond = log_in(client, tutor.email)  # limit + 1: even the right password is refused

    for response in (at_limit, beyond):
        html = unescape(response.content.decode())
        assert response.status_code == 429
        assert "Trop d'essais de connexion ont échoué" in html
        assert "Réessayez à partir de 10\u00a0h\u00a015 (dans 15 minutes)" in html
    assert not logged_in(client)


def test_the_lock_ends_after_the_cool_off(client, tutor, time_machine):
    for _ in range(LIMIT):
        log_in(client, tutor.email, "faux")

    time_machine.move_to(NOW + timedelta(minutes=14, seconds=59), tick=False)
    assert log_in(client, tutor.email).status_code == 429
    time_machine.move_to(NOW + timedelta(minutes=15, seconds=1), tick=False)
    response = log_in(client, tutor.email)

    assert response.status_code == 302 and logged_in(client)


def test_a_locked_account_is_locked_from_every_address_and_other_accounts_are_not(client, tutor):
    other = UserFactory(email="autre@example.test", role=Role.CRE)
    for index in range(LIMIT):
        log_in(client, tutor.email, "faux", ip=f"198.51.100.{index}")

    assert log_in(client, tutor.email, ip="192.0.2.99").status_code == 429
    assert log_in(client, other.email, ip="198.51.100.1").status_code == 302


# --- throttling per client address ------------------------------------------------------------------


def test_one_address_trying_many_accounts_is_stopped_at_its_own_limit(client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 8
    victims = [UserFactory(email=f"compte{n}@example.test", role=Role.TUTOR) for n in range(9)]
    # Below every account's limit (one failure each), over the address's at the 8th.
    statuses = [log_in(client, user.email, "faux").status_code for user in victims[:8]]

    assert statuses == [200] * 7 + [429]
    assert log_in(client, victims[8].email).status_code == 429  # even with the right password, from this address
    assert log_in(client, victims[8].email, ip="192.0.2.50").status_code == 302  # another address is not concerned


# --- password reset -----------------------------------------------------------------------------------


def ask_reset(client, email, ip="203.0.113.7"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_reset_mails_stop_at_the_hourly_cap_with_the_same_page(client, tutor, settings, celery_eager, django_capture_on_commit_callbacks, time_machine):
    settings.PASSWORD_RESET_MAX_PER_EMAIL = 3
    responses = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            responses.append(ask_reset(client, "CAMILLE.tutrice@example.test"))

    assert [(r.status_code, r.url) for r in responses] == [(302, reverse("password_reset_done"))] * 4
    assert len(mail.outbox) == 3
    # The address is kept hashed only.
    assert not PasswordResetRequest.objects.filter(email_digest__icontains="camille").exists()

    time_machine.move_to(NOW + timedelta(hours=1, seconds=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset(client, tutor.email)
    assert len(mail.outbox) == 4


def test_an_unknown_address_gets_the_same_page_as_a_known_one(client, tutor, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        known = ask_reset(client, tutor.email)
        unknown = ask_reset(client, "personne@example.test")

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url) == (302, reverse("password_reset_done"))
    assert [m.to for m in mail.outbox] == [[tutor.email]]


def test_one_client_address_asking_too_many_resets_is_told_to_wait(client, tutor, settings, celery_eager, django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 4
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [ask_reset(client, f"x{n}@example.test").status_code for n in range(4)]
        refused = ask_reset(client, tutor.email)
        elsewhere = ask_reset(client, tutor.email, ip="192.0.2.1")

    assert statuses == [302] * 4
    assert refused.status_code == 429
    assert "Trop de demandes de réinitialisation depuis votre connexion : réessayez dans une heure." in unescape(refused.content.decode())
    assert elsewhere.status_code == 302
    assert [m.to for m in mail.outbox] == [[tutor.email]]


# --- second factor --------------------------------------------------------------------------------------


def code_of(device: TOTPDevice, at: datetime) -> str:
    """The code the person's application shows at ``at`` (django-otp's own TOTP)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at.timestamp()
    return f"{totp.token():06d}"


def enrol(client, user, at: datetime = NOW) -> TOTPDevice:
    page = client.get(reverse("second_factor_enrol"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'class="segno"' in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert re.sub(r"\s", "", page.context["secret"]) in html
    response = client.post(reverse("second_factor_enrol"), {"code": code_of(device, at)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return TOTPDevice.objects.get(user=user)


def test_a_staff_member_enables_the_second_factor_then_login_asks_the_code(client, tutor, time_machine):
    client.force_login(tutor)
    assert "Non activée" in client.get(reverse("account")).content.decode()
    device = enrol(client, tutor)
    assert device.confirmed is True
    assert "Activée" in client.get(reverse("account")).content.decode()
    client.post(reverse("logout"))

    later = NOW + timedelta(minutes=5)
    time_machine.move_to(later, tick=False)
    assert log_in(client, tutor.email).status_code == 302
    # Logged in by password, but every page sends to the code page until the code is given.
    blocked = client.get(reverse("apprentice_list"))
    assert blocked.status_code == 302
    assert blocked.url == reverse("second_factor_verify") + "?next=%2Fapprenti-es%2F"
    wrong = client.post(blocked.url, {"code": "000000", "next": "/apprenti-es/"})
    assert "Code incorrect ou expiré" in wrong.content.decode()
    assert client.get(reverse("apprentice_list")).status_code == 302

    # django-otp makes the next try wait after a wrong code (1 s, doubling with each failure).
    time_machine.move_to(later + timedelta(seconds=1), tick=False)
    right = client.post(reverse("second_factor_verify"), {"code": code_of(device, later), "next": "/apprenti-es/"})

    assert right.status_code == 302 and right.url == "/apprenti-es/"
    assert client.get(reverse("apprentice_list")).status_code == 200


def test_the_code_page_refuses_an_off_site_next(client, tutor, time_machine):
    client.force_login(tutor)
    device = enrol(client, tutor)
    client.post(reverse("logout"))
    later = NOW + timedelta(minutes=1)
    time_machine.move_to(later, tick=False)
    log_in(client, tutor.email)

    response = client.post(reverse("second_factor_verify"), {"code": code_of(device, later), "next": "//evil.example/phish"})

    assert response.status_code == 302 and response.url == reverse("home")


def test_a_code_cannot_be_used_twice(client, tutor, time_machine):
    client.force_login(tutor)
    device = enrol(client, tutor)
    client.post(reverse("logout"))
    log_in(client, tutor.email)  # same instant: the enrolment's code was already used

    response = client.post(reverse("second_factor_verify"), {"code": code_of(device, NOW)})

    assert "Code incorrect ou expiré" in response.content.decode()


def test_disabling_needs_a_current_code(client, tutor, time_machine):
    client.force_login(tutor)
    device = enrol(client, tutor)
    later = NOW + timedelta(minutes=1)
    time_machine.move_to(later, tick=False)

    client.post(reverse("second_factor_disable"), {"code": "123456"})
    assert TOTPDevice.objects.filter(user=tutor).count() == 1
    client.post(reverse("second_factor_disable"), {"code": code_of(device, later)})
    assert TOTPDevice.objects.filter(user=tutor).count() == 0
    assert client.get(reverse("apprentice_list")).status_code == 200  # the session knows: no code asked


def test_a_device_removed_during_a_session_is_noticed_by_the_code_page(client, tutor, time_machine):
    client.force_login(tutor)
    enrol(client, tutor)
    client.post(reverse("logout"))
    log_in(client, tutor.email)  # password given: the session expects a code
    assert client.get(reverse("apprentice_list")).url.startswith(reverse("second_factor_verify"))

    call_command("reset_second_factor", tutor.email)  # the device is lost, a superuser removes it
    code_page = client.get(reverse("second_factor_verify") + "?next=/apprenti-es/")

    assert code_page.status_code == 302 and code_page.url == "/apprenti-es/"
    assert client.get(reverse("apprentice_list")).status_code == 200  # no loop back to the code page


def test_extranet_accounts_are_not_offered_the_second_factor(client):
    world = make_world()
    for user in (world.a.apprentice_user, world.a.employer_user):
        client.force_login(user)
        page = client.get(reverse("account"))
        assert page.status_code == 200 and "Double authentification" not in page.content.decode()
        assert client.get(reverse("second_factor_enrol")).status_code == 403
    assert TOTPDevice.objects.count() == 0


# --- the coordinator's rule -----------------------------------------------------------------------------


ROLES = [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER]


@pytest.mark.parametrize(("role", "expected"), list(zip(ROLES, (200, 403, 403, 403, 403, 403), strict=True)))
def test_security_settings_permission_matrix(client, role, expected):
    world = make_world()
    client.force_login(world.user(role))

    assert client.get(reverse("security_settings")).status_code == expected
    response = client.post(reverse("security_settings"), {"second_factor_roles": ["tutor"]})

    assert response.status_code == (302 if expected == 200 else 403)
    assert list(SecuritySettings.objects.values_list("second_factor_roles", flat=True)) == ([["tutor"]] if expected == 200 else [])


def test_required_second_factor_sends_staff_without_one_to_enrolment_and_nowhere_else(client, time_machine):
    world = make_world()
    client.force_login(world.coordinator)
    client.post(reverse("security_settings"), {"second_factor_roles": ["tutor", "cre"]})
    assert SecuritySettings.objects.get().second_factor_roles == ["cre", "tutor"]

    client.force_login(world.a.tutor)
    for url in (reverse("home"), reverse("apprentice_list"), reverse("account"), reverse("companies:company_list")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("second_factor_enrol")), url
    assert client.post(reverse("companies:placement_desk")).url == reverse("second_factor_enrol")
    device = enrol(client, world.a.tutor)
    assert client.get(reverse("apprentice_list")).status_code == 200
    # Required: it cannot be switched off.
    later = NOW + timedelta(minutes=1)
    time_machine.move_to(later, tick=False)
    client.post(reverse("second_factor_disable"), {"code": code_of(device, later)})
    assert TOTPDevice.objects.filter(user=world.a.tutor, confirmed=True).count() == 1

    # Roles not listed and extranet accounts go on as before.
    for user in (world.admin_staff, world.a.employer_user, world.a.apprentice_user):
        client.force_login(user)
        assert client.get(reverse("home")).status_code == 200


def test_a_superuser_resets_a_lost_device_and_the_person_enrols_again(client, tutor, settings):
    client.force_login(tutor)
    enrol(client, tutor)
    services.security_settings_update(second_factor_roles=["tutor"], by=UserFactory(role=Role.COORDINATOR), now=NOW)

    call_command("reset_second_factor", "Camille.Tutrice@example.test")

    assert TOTPDevice.objects.filter(user=tutor).count() == 0
    client.post(reverse("logout"))
    assert log_in(client, tutor.email).status_code == 302
    assert client.get(reverse("home")).url.startswith(reverse("second_factor_enrol"))


def test_the_security_page_pages_the_team_and_counts_the_second_factors(client):
    """Issue 18 §2: the team's accounts 25 a page, with the totals of the whole team; an inactive
    account, an unconfirmed device and the extranet are not counted."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    world = make_world()
    client.force_login(world.coordinator)
    before = client.get(reverse("security_settings")).context["totals"]["total"]
    for n in range(25):
        UserFactory(role=Role.TUTOR, last_name=f"Tuteur {n:02d}", first_name="T")
    UserFactory(role=Role.TUTOR, last_name="Parti", is_active=False)
    TOTPDevice.objects.create(user=world.a.tutor, name="téléphone", confirmed=True)
    TOTPDevice.objects.create(user=world.b.tutor, name="téléphone", confirmed=False)

    first = client.get(reverse("security_settings"))
    last = client.get(reverse("security_settings") + "?page=2")

    members = before + 25
    assert first.context["totals"] == {"total": members, "with_second_factor": 1}
    assert first.context["paginator"].count == members
    assert len(first.context["members"]) == 25 and len(last.context["members"]) == members - 25
    assert f"1 sur {members} comptes actifs avec la double authentification activée." in first.content.decode()
