"""Extranet invitations (issue 6, part 1): one login per person, a single-use expiring link whose
token is stored hashed, the password set through Django's validators, and who may invite."""

import hashlib
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from alternance.choices import Role
from alternance.extranet import invitations
from alternance.models import Invitation, User
from tests.factories.alternance import (
    ApprenticeFactory,
    CoordinatorFactory,
    EmployerUserFactory,
    TutorFactory,
    UserFactory,
)
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)
GOOD_PASSWORD = "Carillon-vert-2026!"
LINK = re.compile(r"(https?://\S+)/invitation/([A-Za-z0-9_\-]+)/")


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def invite(django_capture_on_commit_callbacks, celery_eager):
    """Run an invitation service and its on-commit email; return the clear token read from the email."""

    def run(service, **kwargs):
        sent_before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            invitation = service(**kwargs)
        assert len(mail.outbox) == sent_before + 1
        match = LINK.search(mail.outbox[-1].body)
        assert match, mail.outbox[-1].body
        return invitation, match.group(2)

    return run


def test_inviting_a_contact_creates_one_inactive_employer_account_and_emails_a_working_link(client, invite):
    staff = CoordinatorFactory()
    contact = CompanyContactFactory(email="Marie.Dupont@Boulangerie.test", first_name="Marie", last_name="Dupont")

    invitation, token = invite(invitations.invite_company_contact, contact=contact, by=staff)

    contact.refresh_from_db()
    user = User.objects.get(email="marie.dupont@boulangerie.test")
    assert contact.user == user
    assert (user.role, user.is_active, user.has_usable_password()) == (Role.EMPLOYER, False, False)
    assert (user.first_name, user.last_name) == ("Marie", "Dupont")
    message = mail.outbox[-1]
    assert message.to == ["marie.dupont@boulangerie.test"]
    assert message.subject == "Votre accès à l'extranet alternance"
    assert "choisir votre mot de passe" in message.body
    assert f"http://127.0.0.1:8000/invitation/{token}/" in message.body
    assert list(Invitation.objects.values_list("user", "invited_by", "expires_at")) == [(user.pk, staff.pk, NOW + timedelta(days=7))]
    assert client.get(reverse("invitation_accept", args=[token])).status_code == 200


def test_the_token_is_stored_hashed_never_in_clear(invite):
    contact = CompanyContactFactory()

    invitation, token = invite(invitations.invite_company_contact, contact=contact, by=CoordinatorFactory())

    invitation.refresh_from_db()
    stored = [str(value) for value in Invitation.objects.values_list().get()]
    assert token not in " ".join(stored)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_the_same_employer_invited_from_two_contacts_gets_one_login(invite):
    staff = CoordinatorFactory()
    master_here = CompanyContactFactory(company=CompanyFactory(name="Alpha"), email="paul@groupe.test", is_master=True)
    hr_there = CompanyContactFactory(
        company=CompanyFactory(name="Bêta"), email="PAUL@groupe.test", is_master=False, is_hr=True, birth_date=None
    )

    first, first_token = invite(invitations.invite_company_contact, contact=master_here, by=staff)
    second, second_token = invite(invitations.invite_company_contact, contact=hr_there, by=staff)

    master_here.refresh_from_db()
    hr_there.refresh_from_db()
    assert list(User.objects.filter(email="paul@groupe.test").values_list("pk", flat=True)) == [first.user_id]
    assert master_here.user_id == hr_there.user_id == first.user_id == second.user_id
    # The second email replaces the first link.
    first.refresh_from_db()
    assert first.revoked_at == NOW and second.revoked_at is None


def test_an_existing_employer_account_not_yet_active_is_linked_not_duplicated(invite):
    existing = EmployerUserFactory(email="rh@garage.test", is_active=False)
    contact = CompanyContactFactory(email="rh@garage.test")

    invitation, _ = invite(invitations.invite_company_contact, contact=contact, by=CoordinatorFactory())

    contact.refresh_from_db()
    assert contact.user == existing == invitation.user
    assert User.objects.filter(email="rh@garage.test").count() == 1


def test_a_contact_matching_an_active_account_is_linked_and_no_link_is_mailed(django_capture_on_commit_callbacks, celery_eager):
    existing = EmployerUserFactory(email="rh@garage.test")
    contact = CompanyContactFactory(email="rh@garage.test")

    with django_capture_on_commit_callbacks(execute=True):
        result = invitations.invite_company_contact(contact=contact, by=CoordinatorFactory())

    contact.refresh_from_db()
    assert result is None
    assert contact.user == existing
    assert (Invitation.objects.count(), mail.outbox) == (0, [])


@pytest.mark.parametrize("kind", ["apprentice", "contact"])
def test_inviting_an_account_that_already_logs_in_is_refused_in_french(kind, django_capture_on_commit_callbacks, celery_eager):
    if kind == "apprentice":
        account = UserFactory(email="lea@eleve.test", role=Role.APPRENTICE)
        service, kwargs = invitations.invite_apprentice, {"apprentice": ApprenticeFactory(email="lea@eleve.test", user=account)}
    else:
        account = EmployerUserFactory(email="lea@eleve.test")
        service, kwargs = invitations.invite_company_contact, {"contact": CompanyContactFactory(email="lea@eleve.test", user=account)}
    password_before = User.objects.get(pk=account.pk).password

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        service(by=CoordinatorFactory(), **kwargs)

    assert error.value.messages == [
        "Ce compte est déjà actif : lea@eleve.test se connecte déjà à l'extranet avec son mot de passe, aucune invitation "
        "n'a été envoyée. Si la personne l'a oublié, elle utilise « Mot de passe oublié ? » sur la page de connexion."
    ]
    assert (Invitation.objects.count(), mail.outbox) == (0, [])
    assert User.objects.get(pk=account.pk).password == password_before


def test_an_email_used_by_an_account_of_another_role_is_refused_in_french():
    TutorFactory(email="double@of.test")
    contact = CompanyContactFactory(email="double@of.test")

    with pytest.raises(ValidationError) as error:
        invitations.invite_company_contact(contact=contact, by=CoordinatorFactory())

    assert error.value.messages[0].startswith("L'adresse double@of.test est déjà celle d'un compte « ")
    contact.refresh_from_db()
    assert contact.user is None
    assert Invitation.objects.count() == 0


def test_inviting_an_apprentice_creates_its_apprentice_account(invite):
    apprentice = ApprenticeFactory(email="lea@eleve.test", first_name="Léa", last_name="Morel")

    invitation, _ = invite(invitations.invite_apprentice, apprentice=apprentice, by=CoordinatorFactory())

    apprentice.refresh_from_db()
    assert apprentice.user == invitation.user
    assert (apprentice.user.email, apprentice.user.role, apprentice.user.is_active) == ("lea@eleve.test", Role.APPRENTICE, False)


def test_an_apprentice_email_held_by_an_employer_account_is_refused():
    EmployerUserFactory(email="lea@eleve.test")
    apprentice = ApprenticeFactory(email="lea@eleve.test")

    with pytest.raises(ValidationError):
        invitations.invite_apprentice(apprentice=apprentice, by=CoordinatorFactory())

    apprentice.refresh_from_db()
    assert apprentice.user is None


def test_accepting_sets_the_password_activates_and_logs_in(client, invite):
    contact = CompanyContactFactory(email="ma@alpha.test")
    invitation, token = invite(invitations.invite_company_contact, contact=contact, by=CoordinatorFactory())
    url = reverse("invitation_accept", args=[token])

    response = client.post(url, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})

    assert response.status_code == 302 and response.url == reverse("home")
    user = User.objects.get(email="ma@alpha.test")
    assert user.is_active and user.check_password(GOOD_PASSWORD)
    assert client.session[SESSION_KEY] == str(user.pk)
    invitation.refresh_from_db()
    assert invitation.used_at == NOW
    home = client.get(reverse("home"))
    assert "Votre mot de passe est enregistré" in home.content.decode()


def test_a_used_link_is_refused(client, invite):
    _, token = invite(invitations.invite_company_contact, contact=CompanyContactFactory(), by=CoordinatorFactory())
    url = reverse("invitation_accept", args=[token])
    client.post(url, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    client.logout()

    page = client.get(url)
    again = client.post(url, {"password1": "Autre-Mot-2026!x", "password2": "Autre-Mot-2026!x"})

    assert page.status_code == again.status_code == 410
    assert "déjà servi" in page.content.decode() and "demandez une nouvelle invitation" in page.content.decode()
    user = User.objects.get(pk=Invitation.objects.get().user_id)
    assert user.check_password(GOOD_PASSWORD)
    with pytest.raises(invitations.InvitationGone):
        invitations.invitation_accept(token=token, password1="Autre-Mot-2026!x", password2="Autre-Mot-2026!x")


def test_an_expired_link_is_refused(client, invite, time_machine):
    _, token = invite(invitations.invite_company_contact, contact=CompanyContactFactory(), by=CoordinatorFactory())
    time_machine.move_to(NOW + timedelta(days=7, seconds=1), tick=False)

    response = client.post(reverse("invitation_accept", args=[token]), {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})

    assert response.status_code == 410
    assert "a expiré" in response.content.decode() and "demandez une nouvelle invitation" in response.content.decode().lower()
    invitation = Invitation.objects.get()
    assert invitation.used_at is None and not invitation.user.is_active


def test_a_link_still_works_on_its_last_day(client, invite, time_machine):
    _, token = invite(invitations.invite_company_contact, contact=CompanyContactFactory(), by=CoordinatorFactory())
    time_machine.move_to(NOW + timedelta(days=6, hours=23), tick=False)

    assert client.get(reverse("invitation_accept", args=[token])).status_code == 200


def test_the_validity_is_a_setting(invite, settings):
    settings.INVITATION_VALID_DAYS = 2

    invitation, _ = invite(invitations.invite_company_contact, contact=CompanyContactFactory(), by=CoordinatorFactory())

    assert invitation.expires_at == NOW + timedelta(days=2)


def test_a_link_revoked_by_a_new_invitation_is_refused(client, invite):
    contact = CompanyContactFactory()
    staff = CoordinatorFactory()
    _, old_token = invite(invitations.invite_company_contact, contact=contact, by=staff)
    _, new_token = invite(invitations.invite_company_contact, contact=contact, by=staff)

    old = client.get(reverse("invitation_accept", args=[old_token]))
    new = client.get(reverse("invitation_accept", args=[new_token]))

    assert old.status_code == 410 and "remplacé par une invitation plus récente" in old.content.decode()
    assert new.status_code == 200


def test_a_weak_password_is_refused_in_french_without_any_change(client, invite):
    invitation, token = invite(invitations.invite_company_contact, contact=CompanyContactFactory(), by=CoordinatorFactory())

    response = client.post(reverse("invitation_accept", args=[token]), {"password1": "123", "password2": "123"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Ce mot de passe est trop court" in content
    assert "Ce mot de passe est entièrement numérique" in content
    invitation.refresh_from_db()
    user = User.objects.get(pk=invitation.user_id)
    assert invitation.used_at is None and not user.is_active and not user.has_usable_password()
    assert SESSION_KEY not in client.session


def test_two_different_passwords_are_refused(client, invite):
    invitation, token = invite(invitations.invite_company_contact, contact=CompanyContactFactory(), by=CoordinatorFactory())

    response = client.post(reverse("invitation_accept", args=[token]), {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD + "x"})

    assert "Les deux mots de passe ne correspondent pas" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_an_unknown_link_is_a_404_in_french(client):
    response = client.get(reverse("invitation_accept", args=["inconnu"]))

    assert response.status_code == 404
    assert "Ce lien d&#x27;invitation n&#x27;existe pas" in response.content.decode()


def test_the_invitation_page_is_reachable_without_login(client, invite):
    _, token = invite(invitations.invite_company_contact, contact=CompanyContactFactory(), by=CoordinatorFactory())

    response = client.get(reverse("invitation_accept", args=[token]))

    assert response.status_code == 200
    assert "Créer mon mot de passe" in response.content.decode()


# --- who may invite: the POST buttons ------------------------------------------------------------

ROLES = [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER]


@pytest.fixture
def world():
    return make_world()


def _targets(world) -> dict:
    """Side A's seeking apprentice and a new contact of side A's company, neither with an account yet
    (an account that already logs in is refused, tested below). The contact is in the scope of the
    side-A extranet accounts (their company), so they get 403; the seeker is outside it (404)."""
    contact = CompanyContactFactory(company=world.a.company, first_name="Nina", last_name="Nouvelle", email="nina@alpha.test")
    return {
        "apprentice": (reverse("apprentice_invite", args=[world.a.seeking.pk]), reverse("apprentice_detail", args=[world.a.seeking.pk])),
        "contact": (reverse("contact_invite", args=[contact.pk]), reverse("companies:company_detail", args=[world.a.company.pk])),
    }


#              coord adm  cre  tutor appr empl
MATRIX = {
    "apprentice": (302, 302, 302, 302, 404, 404),
    "contact": (302, 302, 302, 302, 403, 403),
}


@pytest.mark.parametrize("target", ["apprentice", "contact"])
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_of_the_invite_buttons(client, world, django_capture_on_commit_callbacks, celery_eager, target, role):
    expected = MATRIX[target][ROLES.index(role)]
    url, back = _targets(world)[target]
    client.force_login(world.user(role))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == expected
    if expected == 302:
        assert response.url == back
        assert Invitation.objects.count() == 1
        assert Invitation.objects.get().invited_by == world.user(role)
        assert len(mail.outbox) == 1
    else:
        assert Invitation.objects.count() == 0
        assert mail.outbox == []


@pytest.mark.parametrize(("inviter", "expected"), [("b_cre", 403), ("a_cre", 302), ("unowned_b_cre", 302), ("coordinator", 302)])
def test_a_cre_opens_accounts_only_for_the_contacts_of_its_portfolio(client, world, django_capture_on_commit_callbacks, celery_eager, inviter, expected):
    company = world.a.company
    if inviter == "unowned_b_cre":
        company = CompanyFactory(name="Prospect sans CRE", owner_cre=None)
    contact = CompanyContactFactory(company=company, email="nina@alpha.test")
    user = {"b_cre": world.b.cre, "a_cre": world.a.cre, "unowned_b_cre": world.b.cre, "coordinator": world.coordinator}[inviter]
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("contact_invite", args=[contact.pk]))

    assert response.status_code == expected
    contact.refresh_from_db()
    assert (contact.user_id is not None, Invitation.objects.count(), len(mail.outbox)) == ((True, 1, 1) if expected == 302 else (False, 0, 0))
    page = client.get(reverse("companies:company_detail", args=[company.pk])).content.decode()
    # The page offers the button to exactly who may use it.
    assert (reverse("contact_invite", args=[contact.pk]) in page) == (expected == 302)


@pytest.mark.parametrize("target", ["apprentice", "contact"])
def test_the_invite_button_of_an_active_account_is_refused_with_a_french_message(client, world, target, django_capture_on_commit_callbacks, celery_eager):
    url = reverse("apprentice_invite", args=[world.a.apprentice.pk]) if target == "apprentice" else reverse("contact_invite", args=[world.a.employer_contact.pk])
    client.force_login(world.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)

    assert "Ce compte est déjà actif" in response.content.decode()
    assert (Invitation.objects.count(), mail.outbox) == (0, [])


@pytest.mark.parametrize("target", ["apprentice", "contact"])
def test_a_tutor_of_another_cohort_gets_404(client, world, target):
    url, _ = _targets(world)[target]
    client.force_login(world.b.tutor)

    assert client.post(url).status_code == 404
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize("target", ["apprentice", "contact"])
def test_anonymous_is_sent_to_login_and_get_is_not_allowed(client, world, target):
    url, _ = _targets(world)[target]

    anonymous = client.post(url)
    client.force_login(world.coordinator)
    get = client.get(url)

    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    assert get.status_code == 405
    assert Invitation.objects.count() == 0


def test_the_company_page_shows_the_button_and_the_invitation_state(client, world, django_capture_on_commit_callbacks, celery_eager):
    new_contact = CompanyContactFactory(company=world.a.company, first_name="Nina", last_name="Nouvelle", email="nina@alpha.test")
    client.force_login(world.a.cre)
    page_url = reverse("companies:company_detail", args=[world.a.company.pk])

    before = client.get(page_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("contact_invite", args=[new_contact.pk]))
    after = client.get(page_url).content.decode()

    # The side-A employer already logs in; the new contact has no account yet.
    assert "Compte actif" in before
    assert before.count("Inviter à l'extranet") == 1
    assert reverse("contact_invite", args=[new_contact.pk]) in before
    assert "Invité le 28/11/2026" in after
    assert "Renvoyer l'invitation" in after


def test_the_apprentice_page_shows_the_button_to_staff_only(client, world):
    url = reverse("apprentice_detail", args=[world.a.seeking.pk])
    client.force_login(world.a.tutor)
    staff_page = client.get(url).content.decode()
    client.force_login(world.a.employer_user)
    employer_page = client.get(reverse("apprentice_detail", args=[world.a.apprentice.pk])).content.decode()

    assert reverse("apprentice_invite", args=[world.a.seeking.pk]) in staff_page
    assert "Inviter à l'extranet" in staff_page
    assert "Inviter à l" not in employer_page and "apprentice_invite" not in employer_page
