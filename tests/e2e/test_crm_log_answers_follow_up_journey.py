"""A CRE answers a follow-up from "Mes relances" in Chromium (issue 14 §5): the exchange is logged
inline (htmx) with the contact reached, the follow-up is closed with it, and the browser console
shows no error — twice in a row, the second time with the timeline no longer empty (the old
response deleted an empty-timeline note that was no longer there: htmx:oobErrorNoTarget)."""

from datetime import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from companies.models import Interaction
from tests.factories.alternance import CreFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_cre_answers_a_follow_up_and_the_console_stays_clean(page: Page, live_server):
    today = timezone.localdate()
    cre = CreFactory(email="cre@relance.test", password="demo", first_name="Camille", last_name="Cre")
    company = CompanyFactory(owner_cre=cre, name="Menuiserie Gamma")
    contact = CompanyContactFactory(company=company, first_name="Hélène", last_name="Gérante")
    CompanyContactFactory(company=CompanyFactory(name="Autre SARL"), first_name="Xavier", last_name="Ailleurs")
    follow_up = Interaction.objects.create(
        company=company, author=cre, kind="call", summary="Rappeler pour le poste de janvier.", contact=contact,
        occurred_at=timezone.make_aware(datetime.combine(today, datetime.min.time())), next_follow_up=today,
    )
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}") if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill("cre@relance.test")
    page.get_by_label("Mot de passe").fill("demo")
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}/entreprises/relances/")
    page.locator(f"#relance-{follow_up.pk}").get_by_role("link", name="Noter l'échange").click()

    form = page.locator("#journal-form")
    expect(form.get_by_label("Relance traitée par cet échange")).to_have_value(str(follow_up.pk))
    expect(form.get_by_label("Contact joint")).to_have_value(str(contact.pk))
    expect(form.get_by_label("Contact joint").locator("option")).to_have_count(2)  # "Personne en particulier" + Hélène
    form.get_by_label("Résumé").fill("Appel : Hélène confirme le poste.")
    form.get_by_role("button", name="Enregistrer l'échange").click()

    expect(page.locator("#timeline li").first).to_contain_text("Appel : Hélène confirme le poste.")
    expect(page.locator("#timeline li").first).to_contain_text("Contact joint : Hélène Gérante")
    expect(page.locator(f"#echange-{follow_up.pk}")).to_contain_text("(faite : échange du")
    expect(page.locator("#journal-form").get_by_label("Résumé")).to_have_value("")
    assert Interaction.objects.get(pk=follow_up.pk).follow_up_done is True

    # A second exchange, the timeline already filled: still no console error.
    page.locator("#journal-form").get_by_label("Résumé").fill("Courriel de confirmation envoyé.")
    page.locator("#journal-form").get_by_role("button", name="Enregistrer l'échange").click()
    expect(page.locator("#timeline li").first).to_contain_text("Courriel de confirmation envoyé.")
    page.wait_for_timeout(300)

    assert console == []
    assert list(Interaction.objects.filter(company=company).order_by("pk").values_list("summary", "answers_follow_up_id", "contact_id")) == [
        ("Rappeler pour le poste de janvier.", None, contact.pk),
        ("Appel : Hélène confirme le poste.", follow_up.pk, contact.pk),
        ("Courriel de confirmation envoyé.", None, None),
    ]
