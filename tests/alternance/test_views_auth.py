"""Login by email through the real form, French errors, logout, password reset by email."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from alternance.choices import Role
from tests.factories.alternance import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-42"


@pytest.fixture
def tutor():
    return UserFactory(email="camille.tutrice@example.test", role=Role.TUTOR, first_name="Camille", last_name="Tutrice")


def test_login_page_is_public_and_french(client):
    response = client.get(reverse("login"))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    for text in ("Adresse e-mail", "Mot de passe", "Se connecter", "Mot de passe oublié ?"):
        assert text in html
    assert 'type="email"' in html


def test_login_by_email_ignores_case_and_lands_on_home(client, tutor):
    response = client.post(reverse("login"), {"username": "Camille.TUTRICE@Example.test", "password": PASSWORD}, follow=True)

    assert response.redirect_chain == [(reverse("home"), 302)]
    assert response.context["user"] == tutor
    assert "Mes apprenti·es" in response.content.decode()


def test_wrong_password_shows_a_french_error_and_keeps_the_email(client, tutor):
    response = client.post(reverse("login"), {"username": "camille.tutrice@example.test", "password": "faux"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in html
    assert 'value="camille.tutrice@example.test"' in html
    assert "_auth_user_id" not in client.session


def test_login_redirects_to_the_next_page(client, tutor):
    response = client.post(
        reverse("login") + "?next=/apprenti-es/", {"username": tutor.email, "password": PASSWORD, "next": "/apprenti-es/"}
    )

    assert response.status_code == 302 and response.url == "/apprenti-es/"


def test_logged_in_user_opening_the_login_page_goes_home(client, tutor):
    client.force_login(tutor)

    assert client.get(reverse("login")).url == reverse("home")


def test_logout_is_a_post_and_goes_back_to_login(client, tutor):
    client.force_login(tutor)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302 and response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_french_email_with_a_working_link(client, tutor, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("password_reset"), {"email": "CAMILLE.tutrice@example.test"})

    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(callbacks) == 1  # the email leaves through the Celery task once the request commits
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille.tutrice@example.test"]
    assert message.subject == "Réinitialisation de votre mot de passe"
    assert "choisir un nouveau mot de passe" in message.body
    link = re.search(r"http://testserver(/mot-de-passe/nouveau/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Un-nouveau-mot-2-passe", "new_password2": "Un-nouveau-mot-2-passe"})

    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    tutor.refresh_from_db()
    assert tutor.check_password("Un-nouveau-mot-2-passe")


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "personne@example.test"})

    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_reset_pages_are_public(client):
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert client.get(reverse(name)).status_code == 200, name


def test_password_change_requires_login_and_works(client, tutor):
    assert client.get(reverse("password_change")).status_code == 302
    client.force_login(tutor)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Encore-un-autre-42", "new_password2": "Encore-un-autre-42"},
    )

    assert response.status_code == 302 and response.url == reverse("password_change_done")
    tutor.refresh_from_db()
    assert tutor.check_password("Encore-un-autre-42")
