"""The extranet spaces (issue 6, parts 3 and 4): the apprentice's home page, the employer's home page
and the employer's page of one apprentice — exact content on hand-built data, what must not leak,
who may open what, and a number of queries that does not grow with the rows."""

import hashlib
import html as htmllib
import re
from datetime import date, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alternance.choices import AttendanceStatus, CalendarPlace, HalfDay, JustificationStatus, Role, VisitKind
from alternance.models import CalendarOverride, ClosurePeriod
from contracts.choices import ContractStatus, DocumentKind, SignerRole
from contracts.models import Document, SignatureRequest, Signer
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory, UserFactory, VisitFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory, DocumentFactory
from tests.factories.web import PARIS, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    world = make_world()
    a = world.a
    a.tutor.phone = "01 23 45 67 89"
    a.tutor.save()
    a.cre.first_name, a.cre.last_name, a.cre.phone = "Camille", "Relations", "+33 6 12 34 56 78"
    a.cre.save()
    a.employer_contact.first_name, a.employer_contact.last_name = "Marc", "Lemaître"
    a.employer_contact.phone, a.employer_contact.email, a.employer_contact.job_title = "06.11.22.33.44", "marc@alpha.test", "Chef boulanger"
    a.employer_contact.save()
    return world


def text(response) -> str:
    """The page's HTML, entities decoded and whitespace collapsed."""
    assert response.status_code == 200, response.status_code
    return " ".join(htmllib.unescape(response.content.decode()).split())


def words(response) -> str:
    """The page's visible text: tags removed, entities decoded, whitespace collapsed."""
    assert response.status_code == 200, response.status_code
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def document(*, contract=None, apprentice=None, company=None, kind=DocumentKind.CONVENTION, title="Convention de formation",
             created=datetime(2026, 10, 1, 9, 0, tzinfo=PARIS), version=1) -> Document:
    content = f"%PDF-1.4 {title} {version}".encode()
    row = DocumentFactory(
        contract=contract, apprentice=apprentice if apprentice is not None else (contract.apprentice if contract else None),
        company=company, kind=kind, title=title, version=version, is_generated=True,
        file=ContentFile(content, name="document.pdf"), sha256=hashlib.sha256(content).hexdigest(), size=len(content),
    )
    Document.objects.filter(pk=row.pk).update(created_at=created)
    row.refresh_from_db()
    return row


def signature_request(document: Document, signer) -> Signer:
    request = SignatureRequest.objects.create(document=document, document_sha256=document.sha256)
    return Signer.objects.create(request=request, role=SignerRole.EMPLOYER if signer.role == Role.EMPLOYER else SignerRole.APPRENTICE,
                                 user=signer)


# --- the apprentice's space ---------------------------------------------------------------------------------


def test_apprentice_home_shows_where_it_is_today_and_the_next_six_days(client, world):
    ClosurePeriod.objects.create(label="Inventaire", start_date=date(2026, 12, 1), end_date=date(2026, 12, 1))
    CalendarOverride.objects.create(apprentice=world.a.apprentice, day=date(2026, 12, 3), place=CalendarPlace.CENTRE,
                                    reason="Rattrapage d'examen")

    response = get(client, world.a.apprentice_user, reverse("home"))

    assert [(d.day, d.place, d.label, d.note) for d in response.context["days"]] == [
        (date(2026, 11, 30), "C", "Centre de formation", ""),
        (date(2026, 12, 1), "E", "Entreprise", "Centre fermé — Inventaire"),
        (date(2026, 12, 2), "E", "Entreprise", ""),
        (date(2026, 12, 3), "C", "Centre de formation", "Rattrapage d'examen"),
        (date(2026, 12, 4), "E", "Entreprise", ""),
        (date(2026, 12, 5), "-", "Repos", ""),
        (date(2026, 12, 6), "-", "Repos", ""),
    ]
    shown = words(response)
    assert "Aujourd'hui : Centre de formation" in shown
    assert "Mardi 1 décembre Entreprise Centre fermé — Inventaire" in shown
    page = text(response)
    assert f'href="{reverse("calendar_mine")}"' in page and f'href="{reverse("calendar_feed_manage")}"' in page
    assert [client.get(reverse(name)).status_code for name in ("calendar_mine", "calendar_feed_manage")] == [200, 200]


def test_apprentice_home_shows_its_contract_and_its_three_contacts_as_tappable_links(client, world):
    response = get(client, world.a.apprentice_user, reverse("home"))

    assert [(c.role, c.name, c.email, c.tel, c.detail) for c in response.context["contacts"]] == [
        ("Formateur·rice référent·e", "Tuteur A", "tuteur-a@example.test", "0123456789", "Promotion A 2026"),
        ("Chargé·e de relations entreprises (CRE)", "Camille Relations", "cre-a@example.test", "+33612345678", "Boulangerie Alpha"),
        ("Maître d'apprentissage", "Marc Lemaître", "marc@alpha.test", "0611223344", "Chef boulanger"),
    ]
    page = text(response)
    for link in ('href="mailto:tuteur-a@example.test"', 'href="tel:0123456789"', 'href="mailto:cre-a@example.test"',
                 'href="tel:+33612345678"', 'href="mailto:marc@alpha.test"', 'href="tel:0611223344"'):
        assert link in page, link
    assert response.context["contract"] == world.a.contract
    for expected in ("Boulangerie Alpha", "01/09/2026", "31/08/2028", "En cours", "Marc Lemaître"):
        assert expected in page, expected
    for leak in ("Tuteur B", "cre-b@example.test", "Garage Bêta", "Bruno Durand", "Maître TuteurB"):
        assert leak not in page, leak


def test_apprentice_home_lists_its_documents_newest_first_grouped_by_kind(client, world):
    a, b = world.a, world.b
    cerfa = document(contract=a.contract, kind=DocumentKind.CERFA, title="Cerfa 10103", created=datetime(2026, 8, 26, 9, 0, tzinfo=PARIS))
    # Half past midnight in Paris: still the 27th in UTC, the line says the 28th.
    convention_v1 = document(contract=a.contract, title="Convention v1", created=datetime(2026, 8, 28, 0, 30, tzinfo=PARIS))
    convention_v2 = document(contract=a.contract, title="Convention v2", created=datetime(2026, 9, 2, 9, 0, tzinfo=PARIS), version=2)
    certificate = document(apprentice=a.apprentice, kind=DocumentKind.ATTENDANCE_CERTIFICATE, title="Attestation d'assiduité",
                           created=datetime(2026, 11, 2, 9, 0, tzinfo=PARIS))
    # Not for the apprentice: the OF's invoice, another apprentice's document, a draft contract's document.
    document(contract=a.contract, kind=DocumentKind.INVOICE, title="Facture OPCO", created=datetime(2026, 10, 5, 9, 0, tzinfo=PARIS))
    document(contract=b.contract, title="Convention de Bruno")
    draft = ContractFactory(apprentice=a.apprentice, company=a.company, status=ContractStatus.DRAFT)
    document(contract=draft, title="Convention brouillon")

    response = get(client, a.apprentice_user, reverse("home"))

    groups = [(g.label, [(line.document.title, line.detail) for line in g.documents]) for g in response.context["document_groups"]]
    assert groups == [
        ("Attestation d'assiduité", [("Attestation d'assiduité", "du 02/11/2026")]),
        ("Convention de formation", [("Convention v2", "du 02/09/2026 · version 2"), ("Convention v1", "du 28/08/2026")]),
        ("Cerfa du contrat", [("Cerfa 10103", "du 26/08/2026")]),
    ]
    page = text(response)
    assert "Convention v2 <span class=\"d-block small text-body-secondary\">du 02/09/2026 · version 2</span>" in page
    for row in (cerfa, convention_v1, convention_v2, certificate):
        assert f'href="{reverse("contracts:document_download", args=[row.pk])}"' in page
    for leak in ("Facture OPCO", "Convention de Bruno", "Convention brouillon"):
        assert leak not in page
    # The link works for the apprentice.
    assert client.get(reverse("contracts:document_download", args=[convention_v2.pk])).status_code == 200


def test_apprentice_home_summarises_its_absences_and_links_to_its_absences_page(client, world):
    apprentice = world.a.apprentice  # the world already has an unjustified absence on 16/11
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 11, 17), status=AttendanceStatus.ABSENT,
                            justification=JustificationStatus.ACCEPTED)
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 11, 18), status=AttendanceStatus.ABSENT,
                            justification=JustificationStatus.PENDING)
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 11, 19), status=AttendanceStatus.LATE, minutes_late=10)
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 11, 20), status=AttendanceStatus.PRESENT)
    AttendanceRecordFactory(apprentice=world.b.apprentice, day=date(2026, 11, 19), status=AttendanceStatus.ABSENT)

    response = get(client, world.a.apprentice_user, reverse("home"))

    assert response.context["absence_summary"] == {"absences": 3, "lateness": 1, "unjustified": 1, "pending": 1}
    assert [r.day for r in response.context["absences"]] == [date(2026, 11, 19), date(2026, 11, 18), date(2026, 11, 17), date(2026, 11, 16)]
    assert f'href="{reverse("my_absences")}"' in text(response)
    assert client.get(reverse("my_absences")).status_code == 200


def test_apprentice_home_keeps_the_signatures_block(client, world):
    convention = document(contract=world.a.contract, title="Convention à signer")
    signature_request(convention, world.a.apprentice_user)

    page = words(get(client, world.a.apprentice_user, reverse("home")))

    assert "Documents à signer 1" in page and "Voir le document à signer" in page


def test_apprentice_homes_signatures_count_is_the_lists_with_signatures_out_of_its_scope_left_out(client, world):
    """The count is taken among the documents the home has read: it must still be the length of the
    « À signer » list it opens — a signature pending on a document the apprentice no longer sees (its
    contract back to draft, an invoice) counted by neither."""
    visible = [document(contract=world.a.contract, title=f"Avenant {n}", kind=DocumentKind.AMENDMENT) for n in (1, 2)]
    for row in visible:
        signature_request(row, world.a.apprentice_user)
    signature_request(document(contract=world.a.contract, title="Facture", kind=DocumentKind.INVOICE), world.a.apprentice_user)
    draft = ContractFactory(apprentice=world.a.apprentice, company=world.a.company, status=ContractStatus.DRAFT)
    signature_request(document(contract=draft, title="Convention du brouillon"), world.a.apprentice_user)
    assert Signer.objects.filter(user=world.a.apprentice_user, signed_at__isnull=True).count() == 4

    home = words(get(client, world.a.apprentice_user, reverse("home")))
    to_sign = text(client.get(reverse("contracts:signatures_to_sign")))

    assert "Documents à signer 2" in home and "Voir les 2 documents à signer" in home
    assert "Avenant 1" in to_sign and "Avenant 2" in to_sign
    assert "Facture" not in to_sign and "Convention du brouillon" not in to_sign


def test_an_apprentice_still_seeking_a_company_sees_its_tutor_and_no_contract(client, world):
    user = UserFactory(role=Role.APPRENTICE, email="chloe@example.test")
    world.a.seeking.user = user
    world.a.seeking.save()

    response = get(client, user, reverse("home"))

    assert response.context["contract"] is None
    assert [(c.role, c.name) for c in response.context["contacts"]] == [("Formateur·rice référent·e", "Tuteur A")]
    assert response.context["document_groups"] == []
    page = words(response)
    assert "Aucun contrat pour le moment" in page and "Aucun document pour le moment." in page
    assert "Boulangerie Alpha" not in page and "Marc Lemaître" not in page


def test_an_employer_without_apprentices_gets_an_empty_space(client, world):
    user = UserFactory(role=Role.EMPLOYER, email="nouveau@example.test")
    CompanyContactFactory(company=CompanyFactory(name="Nouvelle entreprise"), user=user)

    response = get(client, user, reverse("home"))

    assert (response.context["rows"], response.context["evaluations_to_fill"], response.context["absences"]) == ([], 0, [])
    assert "Aucun apprenti·e sous contrat avec votre entreprise pour le moment." in words(response)


def test_an_apprentice_account_without_a_record_gets_a_message(client):
    user = UserFactory(role=Role.APPRENTICE, email="orphelin@example.test")
    page = words(get(client, user, reverse("home")))
    assert "Aucun dossier d'apprenti·e n'est rattaché à votre compte." in page


# --- the employer's space --------------------------------------------------------------------------------------


def test_employer_home_lists_exactly_its_apprentices_with_todays_place_and_evaluations(client, world):
    CalendarOverride.objects.create(apprentice=world.a.apprentice, day=MONDAY, place=CalendarPlace.COMPANY, reason="Inventaire annuel")
    second = add_contracted_apprentice(world.a.cohort, world.a.company, last_name="Bernard", first_name="Zoé")

    response = get(client, world.a.employer_user, reverse("home"))

    rows = [(r["apprentice"].full_name, r["contract"].pk, r["place"].label, r["place"].note, r["to_fill"]) for r in response.context["rows"]]
    assert rows == [
        ("Zoé Bernard", second.pk, "Centre de formation", "", 1),
        ("Alice Martin", world.a.contract.pk, "Entreprise", "Inventaire annuel", 1),
    ]
    assert response.context["evaluations_to_fill"] == 2
    page = text(response)
    assert f'href="{reverse("employer_apprentice", args=[world.a.apprentice.pk])}"' in page
    assert f'href="{reverse("employer_evaluations")}"' in page
    assert "Évaluations à remplir 2" in words(response)
    for leak in ("Bruno Durand", "Garage Bêta", "Chloé Petit"):
        assert leak not in page


def test_employer_home_cards_write_each_contract_its_master_and_the_evaluations_to_fill(client, world):
    a = world.a
    VisitFactory(apprentice=a.apprentice, contract=a.contract, planned_date=date(2026, 12, 14))  # a second one to fill
    second = add_contracted_apprentice(world.a.cohort, world.a.company, last_name="Bernard", first_name="Zoé")
    type(second).objects.filter(pk=second.pk).update(master=None)

    cards = [" ".join(re.sub(r"<[^>]+>", " ", card).split())
             for card in re.findall(r'<article class="card h-100" data-testid="employer-apprentice">(.*?)</article>',
                                    get(client, a.employer_user, reverse("home")).content.decode(), re.S)]

    assert len(cards) == 2
    assert "Zoé Bernard" in cards[0] and "Alice Martin" in cards[1]
    assert f"{a.company.name} — du {second.start_date:%d/%m/%Y} au {second.end_date:%d/%m/%Y} · En cours" in cards[0]
    assert "Maître d'apprentissage : —" in cards[0] and "1 évaluation à remplir" in cards[0]
    contract = a.contract
    assert (f"{a.company.name} — du {contract.start_date:%d/%m/%Y} au {contract.end_date:%d/%m/%Y} · "
            f"{contract.get_status_display()}") in cards[1]
    assert f"Maître d'apprentissage : {contract.master.full_name}" in cards[1] and "2 évaluations à remplir" in cards[1]


def test_a_contact_of_two_companies_sees_the_apprentices_of_both(client, world):
    CompanyContactFactory(company=world.b.company, user=world.a.employer_user, is_master=False, is_hr=True)

    response = get(client, world.a.employer_user, reverse("home"))

    assert [r["apprentice"].full_name for r in response.context["rows"]] == ["Bruno Durand", "Alice Martin"]
    page = text(response)
    assert "Boulangerie Alpha" in page and "Garage Bêta" in page


def test_employer_home_shows_the_company_documents(client, world):
    kbis = document(company=world.a.company, kind=DocumentKind.OTHER, title="Convention de partenariat")
    document(company=world.b.company, kind=DocumentKind.OTHER, title="Partenariat Garage")

    response = get(client, world.a.employer_user, reverse("home"))

    assert [d.title for d in response.context["company_documents"]] == ["Convention de partenariat"]
    page = text(response)
    assert f'href="{reverse("contracts:document_download", args=[kbis.pk])}"' in page
    assert "Partenariat Garage" not in page


# --- the employer's page of one apprentice ----------------------------------------------------------------------


def employer_page(client, world, **params):
    url = reverse("employer_apprentice", args=[world.a.apprentice.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return get(client, world.a.employer_user, url)


def test_employer_apprentice_page_shows_contract_contacts_and_todays_place(client, world):
    response = employer_page(client, world)

    assert response.context["contracts"] == [world.a.contract]
    assert response.context["place"].label == "Centre de formation"
    assert [(c.role, c.name, c.email, c.tel) for c in response.context["contacts"]] == [
        ("Formateur·rice référent·e", "Tuteur A", "tuteur-a@example.test", "0123456789"),
        ("Chargé·e de relations entreprises (CRE)", "Camille Relations", "cre-a@example.test", "+33612345678"),
    ]
    page = text(response)
    for expected in ("Alice Martin", "BTS Formation A", "du 01/09/2026 au 31/08/2028", "Marc Lemaître",
                     'href="mailto:tuteur-a@example.test"', 'href="tel:+33612345678"'):
        assert expected in page, expected


def test_employer_apprentice_page_shows_the_month_calendar_and_the_pdf_link(client, world):
    response = employer_page(client, world)
    month = response.context["month"]
    assert (month.year, month.month) == (2026, 11)
    assert month.place_of(date(2026, 11, 30)).place == "C"
    page = text(response)
    assert 'data-month="2026-11"' in page
    assert f'href="{reverse("apprentice_calendar_pdf", args=[world.a.apprentice.pk])}"' in page
    # Previous / next month stay on the employer's page.
    assert f'href="{reverse("employer_apprentice", args=[world.a.apprentice.pk])}?mois=2026-12"' in page

    # The links lead to pages the employer may open (the calendar helper's views).
    assert client.get(reverse("apprentice_calendar", args=[world.a.apprentice.pk])).status_code == 200

    december = employer_page(client, world, mois="2026-12")
    assert (december.context["month"].year, december.context["month"].month) == (2026, 12)
    assert employer_page(client, world, mois="n'importe-quoi").context["month"].month == 11


def test_employer_apprentice_page_shows_absences_during_the_contract_with_their_justification(client, world):
    apprentice = world.a.apprentice
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 8, 20), status=AttendanceStatus.ABSENT)  # before the contract
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 10, 6), half=HalfDay.AFTERNOON, status=AttendanceStatus.ABSENT,
                            justification=JustificationStatus.ACCEPTED, reason="Rendez-vous médical")
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 11, 17), status=AttendanceStatus.LATE, minutes_late=15,
                            justification=JustificationStatus.PENDING)
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 11, 18), status=AttendanceStatus.PRESENT)

    response = employer_page(client, world)

    assert [(r.day, r.status, r.justification) for r in response.context["absences"]] == [
        (date(2026, 11, 17), "late", "pending"), (date(2026, 11, 16), "absent", "none"), (date(2026, 10, 6), "absent", "accepted"),
    ]
    assert response.context["absence_summary"] == {"absences": 2, "lateness": 1, "unjustified": 1, "pending": 1}
    assert [m.month for m in response.context["statement_months"]] == [date(2026, 11, 1), date(2026, 10, 1)]
    page = text(response)
    assert "Justificatif en attente de validation" in page and "Justifiée" in page and "Non justifiée" in page
    assert "20/08/2026" not in page
    for year, month in ((2026, 11), (2026, 10)):
        assert f'href="{reverse("attendance_statement_pdf", args=[apprentice.pk, year, month])}"' in page
    assert f'href="{reverse("attendance_statement_pdf", args=[apprentice.pk, 2026, 8])}"' not in page
    statement = client.get(reverse("attendance_statement_pdf", args=[apprentice.pk, 2026, 11]))
    assert (statement.status_code, statement["Content-Type"]) == (200, "application/pdf")


def test_employer_apprentice_page_shows_contract_documents_signatures_and_evaluations_to_fill(client, world):
    cerfa = document(contract=world.a.contract, kind=DocumentKind.CERFA, title="Cerfa 10103", created=datetime(2026, 8, 26, 9, 0, tzinfo=PARIS))
    convention = document(contract=world.a.contract, title="Convention tripartite", created=datetime(2026, 8, 27, 9, 0, tzinfo=PARIS))
    document(apprentice=world.a.apprentice, kind=DocumentKind.ABSENCE_PROOF, title="Certificat médical")  # the apprentice's own
    document(contract=world.b.contract, title="Convention Garage")
    signer = signature_request(convention, world.a.employer_user)
    signature_request(document(contract=world.b.contract, title="Avenant Garage", kind=DocumentKind.AMENDMENT), world.a.employer_user)
    done = VisitFactory(apprentice=world.a.apprentice, contract=world.a.contract, kind=VisitKind.FIRST, planned_date=date(2026, 10, 5),
                        done_date=date(2026, 10, 5), employer_submitted_at=timezone.now(), employer_submitted_by=world.a.employer_user)

    response = employer_page(client, world)

    assert [(g.label, [line.document.title for line in g.documents]) for g in response.context["document_groups"]] == [
        ("Convention de formation", ["Convention tripartite"]), ("Cerfa du contrat", ["Cerfa 10103"]),
    ]
    assert response.context["to_sign"] == [signer]
    planned = world.a.contract.visits.get(planned_date=date(2026, 12, 10))
    assert response.context["visits_to_fill"] == [planned]
    page = text(response)
    assert f'href="{reverse("contracts:signature_sign", args=[signer.pk])}"' in page
    assert f'href="{reverse("employer_evaluation", args=[planned.pk])}"' in page
    assert f'href="{reverse("employer_evaluation", args=[done.pk])}"' not in page
    assert f'href="{reverse("contracts:document_download", args=[cerfa.pk])}"' in page
    for leak in ("Certificat médical", "Convention Garage", "Avenant Garage"):
        assert leak not in page


# --- who may open the employer's page ------------------------------------------------------------------------------


def test_employer_cannot_open_another_companys_apprentice(client, world):
    client.force_login(world.a.employer_user)
    for pk in (world.b.apprentice.pk, world.a.seeking.pk, world.b.seeking.pk, 999999):
        assert client.get(reverse("employer_apprentice", args=[pk])).status_code == 404, pk


def test_employer_no_longer_opens_an_apprentice_whose_contract_ended_or_after_leaving_the_company(client, world):
    url = reverse("employer_apprentice", args=[world.a.apprentice.pk])
    client.force_login(world.a.employer_user)
    assert client.get(url).status_code == 200
    world.a.employer_contact.active = False
    world.a.employer_contact.save()
    assert client.get(url).status_code == 404


def test_apprentice_accounts_get_403_on_the_employers_page(client, world):
    client.force_login(world.a.apprentice_user)
    for pk in (world.a.apprentice.pk, world.b.apprentice.pk):
        assert client.get(reverse("employer_apprentice", args=[pk])).status_code == 403


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR])
def test_staff_are_sent_to_the_staff_record_which_applies_their_scope(client, world, role):
    client.force_login(world.user(role))
    response = client.get(reverse("employer_apprentice", args=[world.b.apprentice.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("apprentice_detail", args=[world.b.apprentice.pk])
    expected = 404 if role == Role.TUTOR else 200  # tutor A does not follow Bruno (cohort B)
    assert client.get(response["Location"]).status_code == expected


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    response = client.get(reverse("employer_apprentice", args=[world.a.apprentice.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- query counts ---------------------------------------------------------------------------------------------------


def count_queries(client, user, url) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def grow_apprentice(world, n: int, *, start: int = 0) -> None:
    """``n`` more documents, absences, visits to evaluate, calendar exceptions and signatures (rows ``start`` on)."""
    a = world.a
    for i in range(start, start + n):
        document(contract=a.contract, kind=DocumentKind.CERFA if i % 2 else DocumentKind.CONVENTION, title=f"Document {i}")
        AttendanceRecordFactory(apprentice=a.apprentice, day=date(2026, 11, 2) + timedelta(days=i), status=AttendanceStatus.ABSENT)
        VisitFactory(apprentice=a.apprentice, contract=a.contract, planned_date=date(2026, 12, 14) + timedelta(days=i))
        CalendarOverride.objects.create(apprentice=a.apprentice, day=date(2026, 12, 1) + timedelta(days=i), place="E", reason="Salon")
        signature_request(document(contract=a.contract, kind=DocumentKind.AMENDMENT, title=f"Avenant {i}"), a.employer_user)
        signature_request(document(contract=a.contract, kind=DocumentKind.AMENDMENT, title=f"Avenant apprenti {i}"), a.apprentice_user)


def test_apprentice_home_query_count_does_not_grow_with_documents_or_absences(client, world):
    grow_apprentice(world, 1)
    first = count_queries(client, world.a.apprentice_user, reverse("home"))
    grow_apprentice(world, 4, start=1)
    assert count_queries(client, world.a.apprentice_user, reverse("home")) == first
    # Session, user, apprentice, contracts, documents, closures, exceptions, absences (rows with their
    # counts), the user's own signatures waiting (counted among the documents read): no field read
    # later than its query.
    assert first == 9


def test_employer_home_query_count_does_not_grow_with_apprentices(client, world):
    grow_apprentice(world, 1)
    document(company=world.a.company, kind=DocumentKind.OTHER, title="Document entreprise")
    first = count_queries(client, world.a.employer_user, reverse("home"))
    for i in range(3):
        contract = add_contracted_apprentice(world.a.cohort, world.a.company, last_name=f"Ajout{i}")
        document(company=world.a.company, kind=DocumentKind.OTHER, title=f"Document entreprise {i}")
        CalendarOverride.objects.create(apprentice=contract.apprentice, day=MONDAY, place="E", reason="Salon")
        other = CompanyFactory(name=f"Autre site {i}")
        CompanyContactFactory(company=other, user=world.a.employer_user, is_master=False, is_hr=True)
        ContractFactory(apprentice=ApprenticeFactory(cohort=world.b.cohort), company=other)
    grow_apprentice(world, 3, start=1)
    assert count_queries(client, world.a.employer_user, reverse("home")) == first
    # The apprentices' pages counted from the request's keys, the menu's evaluations badge from the
    # home's own count, the signatures waiting among the documents read with the company's.
    assert first == 11


def test_employer_homes_signatures_count_is_the_lists_with_signatures_out_of_its_scope_left_out(client, world):
    """Counted among the documents the home reads with the company's own: still the length of the
    « À signer » list it opens — a contract's and a company's document counted; an absence proof
    (never an employer's), a draft contract's document and another company's counted by neither."""
    a = world.a
    signature_request(document(contract=a.contract, title="Avenant n° 1", kind=DocumentKind.AMENDMENT), a.employer_user)
    signature_request(document(company=a.company, kind=DocumentKind.OTHER, title="Charte entreprise"), a.employer_user)
    signature_request(document(apprentice=a.apprentice, kind=DocumentKind.ABSENCE_PROOF, title="Justificatif"), a.employer_user)
    draft = ContractFactory(apprentice=a.apprentice, company=a.company, status=ContractStatus.DRAFT)
    signature_request(document(contract=draft, title="Convention du brouillon"), a.employer_user)
    signature_request(document(contract=world.b.contract, title="Convention Bêta"), a.employer_user)
    assert Signer.objects.filter(user=a.employer_user, signed_at__isnull=True).count() == 5

    home = words(get(client, a.employer_user, reverse("home")))
    to_sign = text(client.get(reverse("contracts:signatures_to_sign")))

    assert "Documents à signer 2" in home and "Voir les 2 documents à signer" in home
    assert "Avenant n° 1" in to_sign and "Charte entreprise" in to_sign
    for hidden in ("Justificatif", "Convention du brouillon", "Convention Bêta"):
        assert hidden not in to_sign
    # The company's documents list keeps only the company's own.
    assert "Charte entreprise" in home and "Avenant n° 1" not in home


def test_employer_home_counts_an_apprentice_with_two_contracts_once(client, world):
    """The apprentices' count comes from the request's keys (no COUNT query): an apprentice under two
    contracts with the employer is one card, and the count says so."""
    ContractFactory(apprentice=world.a.apprentice, company=world.a.company, status=ContractStatus.SIGNED,
                    start_date=date(2028, 9, 1), practical_training_start_date=None, end_date=date(2029, 8, 31))
    add_contracted_apprentice(world.a.cohort, world.a.company, last_name="Bernard")

    response = get(client, world.a.employer_user, reverse("home"))

    assert response.context["paginator"].count == len(response.context["rows"]) == 2
    assert len(response.context["rows"][1]["contract_lines"]) == 2


def test_the_menus_evaluations_badge_on_the_employer_home_is_the_count_every_other_page_shows(client, world):
    """The home hands its count to the menu: the same figure as the badge of any other page (its
    own query) and as the « À remplir » list it opens — a visit already sent and another
    employer's visit counted by none."""
    a = world.a
    for day in (14, 15):
        VisitFactory(apprentice=a.apprentice, contract=a.contract, planned_date=date(2026, 12, day))
    VisitFactory(apprentice=a.apprentice, contract=a.contract, planned_date=date(2026, 12, 16),
                 employer_submitted_at=timezone.now())
    VisitFactory(apprentice=world.b.apprentice, contract=world.b.contract, planned_date=date(2026, 12, 14))

    def badge(url) -> int:
        response = get(client, a.employer_user, url)
        item = next(item for item in response.context["nav_items"] if item.url.startswith(reverse("employer_evaluations")))
        return int(str(item.badge))

    to_fill = get(client, a.employer_user, reverse("employer_evaluations")).context["to_fill"]
    assert badge(reverse("home")) == badge(reverse("password_change")) == len(to_fill) == 3  # the world has one already


def test_employer_apprentice_page_query_count_does_not_grow_with_rows(client, world):
    url = reverse("employer_apprentice", args=[world.a.apprentice.pk])
    grow_apprentice(world, 1)
    first = count_queries(client, world.a.employer_user, url)
    grow_apprentice(world, 4, start=1)
    assert count_queries(client, world.a.employer_user, url) == first
    # With the menu's "evaluations to fill" badge, and the employer's contracts read once for the
    # request (alternance.access.request_keys) instead of a subquery in each query.
    assert first <= 21
    # Today's place and, on a day off, the next working day are read on their own (three queries),
    # so the count is the same whatever the month shown and whatever the day.
    assert count_queries(client, world.a.employer_user, url + "?mois=2027-01") == first


@pytest.mark.parametrize("page_size", [2, 3])
def test_employer_home_shows_its_apprentices_by_pages_with_every_evaluation_counted(client, world, monkeypatch, page_size):
    """5 apprentices (Alice Martin and 4 more) by pages of 2 and 3: every one once, in name order;
    the evaluations to fill are those of all of them; a wrong page number shows the nearest page."""
    from alternance.extranet import selectors as extranet_selectors

    monkeypatch.setattr(extranet_selectors, "EMPLOYER_APPRENTICES_PAGE", page_size)
    for name in ("Bernard", "Dupont", "Roux", "Vidal"):
        add_contracted_apprentice(world.a.cohort, world.a.company, last_name=name)
    client.force_login(world.a.employer_user)
    pages = -(-5 // page_size)

    listed, queries = [], set()
    for number in range(1, pages + 1):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("home"), {"page": number})
        queries.add(len(captured))
        listed += [r["apprentice"].last_name for r in response.context["rows"]]
        assert response.context["evaluations_to_fill"] == 5
        assert f"Page {number} / {pages}" in words(response)
        assert ("Suivante" in words(response)) is (number < pages)

    assert listed == ["Bernard", "Dupont", "Martin", "Roux", "Vidal"]
    assert len(queries) == 1  # the last page costs what the first does
    for wrong, shown in (("abc", 1), ("0", pages), (str(pages + 1), pages)):
        response = client.get(reverse("home"), {"page": wrong})
        assert response.context["page_obj"].number == shown, wrong


def test_employer_home_with_one_page_shows_no_page_links(client, world):
    response = get(client, world.a.employer_user, reverse("home"))

    assert response.context["is_paginated"] is False
    assert "Page 1 / 1" not in words(response)
    assert "1 résultat" in words(response)


def test_the_phone_link_keeps_only_digits_and_the_plus_sign(world):
    from alternance.extranet.selectors import Contact

    assert Contact(role="x", name="y", phone="+33 (0)6 12-34.56 78").tel == "+330612345678"
    assert re.fullmatch(r"\d+", Contact(role="x", name="y", phone="01 23 45 67 89").tel)


@pytest.mark.parametrize("days_off", [0, 1, 2, 7, 20, 30, 31, 32])
def test_the_next_working_day_is_looked_for_up_to_the_horizon_and_no_further(world, days_off):
    """``places_today`` reads today alone on a working day; on a day off, the days after it up to
    the next working day, within NEXT_WORKING_HORIZON (31) days: found at today + 1, + 20, + 30 and
    + 31 (the horizon), not at + 32; today a working day: no next one."""
    from alternance.extranet.selectors import NEXT_WORKING_HORIZON, places_today

    assert NEXT_WORKING_HORIZON == 31
    today = date(2026, 12, 2)  # a Wednesday: every day up to today + 32 off, then a weekday of the cohort
    apprentice = world.a.apprentice
    for offset in range(days_off):
        CalendarOverride.objects.create(apprentice=apprentice, day=today + timedelta(days=offset), place=CalendarPlace.OFF, reason="Congés")
    CalendarOverride.objects.create(apprentice=apprentice, day=today + timedelta(days=days_off), place=CalendarPlace.COMPANY, reason="Mission")

    place, following = places_today(world.coordinator, [apprentice], today)[apprentice.pk]

    if days_off == 0:
        assert (place.day, place.place, following) == (today, CalendarPlace.COMPANY, None)
        return
    assert (place.day, place.place) == (today, CalendarPlace.OFF)
    if days_off > NEXT_WORKING_HORIZON:
        assert following is None
        return
    assert following is not None and (following.day, following.place) == (today + timedelta(days=days_off), CalendarPlace.COMPANY)


@pytest.mark.parametrize("added", [3, 4, 5])
def test_apprentice_homes_absence_counts_cover_every_absence_not_only_the_five_shown(client, world, added):
    """The counts ride on the rows of the table (a window over all of them, one query): with 4, 5 and 6
    absences (the table's limit − 1, limit, + 1) they count every one, and the table shows the latest five."""
    apprentice = world.a.apprentice  # the world already has an unjustified absence on Monday 16/11
    statuses = [
        (AttendanceStatus.LATE, JustificationStatus.NONE),
        (AttendanceStatus.ABSENT, JustificationStatus.PENDING),
        (AttendanceStatus.ABSENT, JustificationStatus.ACCEPTED),
        (AttendanceStatus.ABSENT, JustificationStatus.REFUSED),
        (AttendanceStatus.LATE, JustificationStatus.PENDING),
    ]
    days = [date(2026, 11, 17) + timedelta(days=i) for i in range(added)]
    for day, (status, justification) in zip(days, statuses, strict=False):
        AttendanceRecordFactory(apprentice=apprentice, day=day, status=status, justification=justification,
                                minutes_late=5 if status == AttendanceStatus.LATE else 0)
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 11, 13), status=AttendanceStatus.PRESENT)

    response = get(client, world.a.apprentice_user, reverse("home"))

    expected = {
        3: {"absences": 3, "lateness": 1, "unjustified": 1, "pending": 1},
        4: {"absences": 4, "lateness": 1, "unjustified": 2, "pending": 1},
        5: {"absences": 4, "lateness": 2, "unjustified": 2, "pending": 2},
    }[added]
    assert response.context["absence_summary"] == expected
    latest = [*reversed(days), date(2026, 11, 16)][:5]
    assert [record.day for record in response.context["absences"]] == latest


def test_an_apprentice_without_any_absence_sees_zero_counts_and_no_table(client, world):
    world.a.apprentice.attendance_records.all().delete()

    response = get(client, world.a.apprentice_user, reverse("home"))

    assert response.context["absence_summary"] == {"absences": 0, "lateness": 0, "unjustified": 0, "pending": 0}
    assert response.context["absences"] == []
    assert "Aucune absence ni retard enregistré." in text(response)
