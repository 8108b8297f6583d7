"""An invited employer: a CRE invites the MA from the company page, the MA opens the emailed link
in Chromium, chooses its password and lands on its home page with its apprentice."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from alternance.choices import ApprenticeStatus, Role
from alternance.models import Invitation, User
from contracts.choices import ContractStatus
from tests.factories.alternance import ApprenticeFactory, CreFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "motdepasse-solide-42"  # tests.factories.alternance.UserFactory
NEW_PASSWORD = "Fournil-du-matin-2026"


def test_invited_employer_sets_its_password_and_sees_its_apprentice(page: Page, live_server, celery_eager):
    cre = CreFactory(email="cre-invite@example.test")
    company = CompanyFactory(name="Boulangerie du Marché", owner_cre=cre)
    master = CompanyContactFactory(company=company, first_name="Odile", last_name="Fournier", email="odile@boulangerie.test")
    apprentice = ApprenticeFactory(first_name="Lucas", last_name="Bernard", status=ApprenticeStatus.UNDER_CONTRACT)
    ContractFactory(apprentice=apprentice, company=company, master=master, status=ContractStatus.IN_PROGRESS)
    mail.outbox = []

    # The CRE invites the MA from the company page.
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(cre.email)
    page.get_by_label("Mot de passe").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/entreprises/{company.pk}/")
    contact_line = page.locator("li", has_text="Odile Fournier")
    contact_line.get_by_role("button", name="Inviter à l'extranet").click()
    expect(page.get_by_text("Invitation envoyée à odile@boulangerie.test.")).to_be_visible()
    expect(page.locator("li", has_text="Odile Fournier").get_by_text(re.compile(r"Invité le \d\d/\d\d/\d{4}"))).to_be_visible()

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["odile@boulangerie.test"]
    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[0].body).group(0)

    # The MA opens the link (a fresh session: the CRE logs out first).
    page.context.clear_cookies()
    page.goto(live_server.url + urlsplit(link).path)
    expect(page.get_by_role("heading", name="Créer mon mot de passe")).to_be_visible()
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer et me connecter").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text("Votre mot de passe est enregistré")).to_be_visible()
    expect(page.get_by_role("heading", name="Mes apprenti·es")).to_be_visible()
    expect(page.get_by_text(apprentice.full_name).first).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_contain_text("Odile Fournier")

    user = User.objects.get(email="odile@boulangerie.test")
    assert (user.role, user.is_active, user.check_password(NEW_PASSWORD)) == (Role.EMPLOYER, True, True)
    assert Invitation.objects.get().used_at is not None

    # The same link no longer works.
    page.goto(live_server.url + urlsplit(link).path)
    expect(page.get_by_test_id("invitation-error")).to_contain_text("déjà servi")
