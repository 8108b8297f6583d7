"""The staff's API keys page (/api/cles/): create (clear key shown once, only its hash stored),
list one's own keys, revoke; staff only, one's own keys only."""

import hashlib
import re

import pytest
from django.urls import reverse

from alternance.api.services import api_token_create
from alternance.models import ApiToken
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeUserFactory,
    CoordinatorFactory,
    CreFactory,
    EmployerUserFactory,
    TutorFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/api/cles/"


def clear_token_in(html: str) -> str | None:
    match = re.search(r'data-testid="clear-token"', html) and re.search(r'id="cle-creee" value="([^"]+)"', html)
    return match.group(1) if match else None


def test_token_list_url_is_the_french_path():
    assert reverse("api:token_list") == LIST_URL


@pytest.mark.parametrize("factory", [CoordinatorFactory, AdminStaffFactory, CreFactory, TutorFactory])
def test_staff_create_a_key_shown_once_and_stored_hashed(client, factory):
    user = factory()
    client.force_login(user)
    response = client.post(LIST_URL, {"label": "  Tableau de bord Metabase  "})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    clear = clear_token_in(html)
    assert clear and len(clear) >= 40
    assert "elle ne sera plus jamais affichée" in html
    token = ApiToken.objects.get(user=user)
    assert token.label == "Tableau de bord Metabase"
    assert token.token_hash == hashlib.sha256(clear.encode()).hexdigest()
    assert token.prefix == clear[:8]
    assert token.revoked_at is None and token.last_used_at is None
    # Nothing in the row holds the clear key.
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert clear not in " ".join(str(value) for value in stored.values())
    # Shown once: the list page afterwards shows only the prefix.
    again = client.get(LIST_URL).content.decode()
    assert clear not in again
    assert clear_token_in(again) is None
    assert f"{token.prefix}…" in again
    # And the key opens the API.
    api = client.get(reverse("api:apprentice-list"), HTTP_AUTHORIZATION=f"Bearer {clear}")
    assert api.status_code == 200


def test_label_is_required(client):
    user = TutorFactory()
    client.force_login(user)
    response = client.post(LIST_URL, {"label": "   "})
    assert response.status_code == 200
    assert "Donnez un nom à la clé" in response.content.decode()
    assert clear_token_in(response.content.decode()) is None
    assert not ApiToken.objects.exists()


def test_list_shows_only_my_keys(client):
    me, colleague = CreFactory(), CreFactory()
    mine, _ = api_token_create(user=me, label="Ma clé tableur")
    theirs, _ = api_token_create(user=colleague, label="Clé du collègue")
    client.force_login(me)
    html = client.get(LIST_URL).content.decode()
    assert "Ma clé tableur" in html and f'data-testid="token-row-{mine.pk}"' in html
    assert "Clé du collègue" not in html and f'data-testid="token-row-{theirs.pk}"' not in html


def test_revoke_my_key_then_the_api_refuses_it(client):
    user = CoordinatorFactory()
    token, clear = api_token_create(user=user, label="Outil RH")
    client.force_login(user)
    response = client.post(reverse("api:token_revoke", args=[token.pk]), follow=True)
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert "Clé « Outil RH » révoquée" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    first_revocation = token.revoked_at
    api = client.get(reverse("api:apprentice-list"), HTTP_AUTHORIZATION=f"Bearer {clear}")
    assert api.status_code == 401
    # Revoking twice keeps the first date.
    response = client.post(reverse("api:token_revoke", args=[token.pk]), follow=True)
    assert "était déjà révoquée" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at == first_revocation


def test_cannot_revoke_someone_elses_key(client):
    me, colleague = TutorFactory(), TutorFactory()
    theirs, clear = api_token_create(user=colleague, label="Clé du collègue")
    client.force_login(me)
    assert client.post(reverse("api:token_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert client.get(reverse("api:apprentice-list"), HTTP_AUTHORIZATION=f"Bearer {clear}").status_code == 200


def test_revoke_is_post_only(client):
    user = CoordinatorFactory()
    token, _ = api_token_create(user=user, label="Outil")
    client.force_login(user)
    assert client.get(reverse("api:token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("factory", [ApprenticeUserFactory, EmployerUserFactory])
def test_extranet_accounts_get_403_on_the_keys_page(client, factory):
    client.force_login(factory())
    assert client.get(LIST_URL).status_code == 403
    assert client.post(LIST_URL, {"label": "Essai"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    token, _ = api_token_create(user=CoordinatorFactory(), label="Outil")
    response = client.post(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is None
