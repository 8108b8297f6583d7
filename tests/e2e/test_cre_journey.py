"""CRE journeys in Chromium: log a call with a follow-up (inline, htmx) and find it in "my
follow-ups"; move a seeking learner through the placement pipeline to a draft contract."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from alternance.choices import ApprenticeStatus
from alternance.models import Apprentice, User
from companies.models import Company, Interaction, Placement
from contracts.models import Contract
from tests.e2e.test_login_roles import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def seed() -> None:
    call_command("seed_demo", apprentices=40, seed=7, today=timezone.localdate().isoformat(), stdout=StringIO())


def test_cre_logs_a_call_and_schedules_a_follow_up(page: Page, live_server):
    seed()
    cre = User.objects.get(email="cre@demo.test")
    company = Company.objects.filter(owner_cre=cre).order_by("name").first()
    today = timezone.localdate()
    log_in(page, live_server.url, "cre@demo.test")

    page.goto(f"{live_server.url}/entreprises/{company.pk}/")
    form = page.locator("#journal-form")
    form.get_by_label("Type").select_option("call")
    form.get_by_label("Issue").select_option("positive")
    form.get_by_label("Résumé").fill("Appel au gérant : deux postes à pourvoir en janvier.")
    form.get_by_label("Prochaine relance").fill(today.isoformat())
    form.get_by_role("button", name="Enregistrer l'échange").click()

    # htmx: the new entry is on top of the timeline, without a reload, and the form is empty again.
    expect(page.locator("#timeline li").first).to_contain_text("Appel au gérant : deux postes à pourvoir en janvier.")
    expect(page.locator("#journal-form").get_by_label("Résumé")).to_have_value("")
    logged = Interaction.objects.get(summary="Appel au gérant : deux postes à pourvoir en janvier.")
    assert (logged.company_id, logged.author_id, logged.kind, logged.next_follow_up) == (company.pk, cre.pk, "call", today)

    page.goto(f"{live_server.url}/entreprises/relances/")
    row = page.locator(f"#relance-{logged.pk}")
    expect(row).to_contain_text(company.name)
    row.get_by_role("button", name="Fait").click()
    expect(page.locator(f"#relance-{logged.pk}")).to_have_count(0)
    assert Interaction.objects.get(pk=logged.pk).follow_up_done is True


def test_cre_moves_a_seeking_learner_through_the_pipeline_to_a_contract_draft(page: Page, live_server):
    seed()
    cre = User.objects.get(email="cre@demo.test")
    company = Company.objects.filter(owner_cre=cre).order_by("name").first()
    log_in(page, live_server.url, "cre@demo.test")

    page.goto(f"{live_server.url}/entreprises/placement/")
    first_link = page.locator("#resultats tbody tr").first.get_by_role("link")
    learner_name = first_link.inner_text()
    first_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(learner_name)
    learner = Apprentice.objects.get(pk=int(re.search(r"/apprenti/(\d+)/", page.url).group(1)))
    assert learner.status in (ApprenticeStatus.SEEKING, ApprenticeStatus.RUPTURANT)

    # A searchable field (issue 13 §3): type the SIRET, pick the line « name — SIRET — town ».
    page.get_by_role("combobox", name=re.compile(r"^Entreprise")).fill(company.siret)
    page.get_by_role("option", name=re.compile(re.escape(company.name))).click()
    page.get_by_role("button", name="Proposer").click()
    expect(page.get_by_test_id("etape")).to_have_text("Proposé·e")
    page.get_by_role("button", name="Passer en entretien").click()
    expect(page.get_by_test_id("etape")).to_have_text("Entretien")
    page.get_by_role("button", name="Embauché·e : confier le contrat au service administratif").click()

    # A CRE may not edit contracts: the draft is created and handed to the administrative team.
    expect(page.get_by_text("Le brouillon de contrat a été confié au service administratif.")).to_be_visible()
    contract = Contract.objects.get(placements__apprentice=learner)
    assert (contract.status, contract.company_id, contract.programme_id) == ("draft", company.pk, learner.cohort.programme_id)
    placement = Placement.objects.get(apprentice=learner, company=company)
    assert (placement.status, placement.contract_handed_over_by_id) == ("hired", cre.pk)
