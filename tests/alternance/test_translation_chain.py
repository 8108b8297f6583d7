"""The active language is the default one (``LANGUAGE_CODE``): no second translation is chained
behind it, through which every French text of the code — in no catalog — was looked up again."""

from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real


def test_the_language_the_middleware_activates_is_the_default_one_with_no_fallback():
    assert [code for code, _name in settings.LANGUAGES] == [settings.LANGUAGE_CODE]
    with translation.override(settings.LANGUAGE_CODE):
        assert trans_real.translation(translation.get_language())._fallback is None
        assert translation.gettext("Password") == "Mot de passe"  # Django's own catalog still answers
        assert translation.gettext("Mon espace") == "Mon espace"


def test_a_browser_asking_for_french_of_france_gets_the_french_pages(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5").get("/connexion/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "fr"
    assert '<html lang="fr"' in response.content.decode()
