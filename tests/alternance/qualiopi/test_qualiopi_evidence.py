"""Qualiopi evidence: what counts for each indicator over a period (records outside it excluded),
the examples, the ZIP (names, bytes of the stored documents, CSV extracts), the summary PDF read
back, the freshness of the evidence and its constant number of queries.

The world below is built by hand so that every figure is known. Period audited: first half of 2026.
"""

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from pypdf import PdfReader

from alerts.choices import AlertStatus
from alerts.models import Alert, AlertEvent
from alternance.choices import ApprenticeStatus, AttendanceStatus, HalfDay, JobStatus, KeyDateKind, Role, VisitKind
from alternance.models import Apprentice, EvidencePack, KeyDate, User, VisitCriterion
from alternance.qualiopi import INDICATORS, evidence_freshness
from alternance.qualiopi.indicators import collect_evidence
from alternance.qualiopi.packs import document_entry_name, evidence_pack_build
from alternance.qualiopi.sources import Period, annotated
from alternance.validators import nir_key
from companies.choices import InteractionKind, PlacementStatus
from companies.models import Company, Offer, Placement, PlacementEvent
from contracts.choices import ContractStatus, ContractType, DocumentKind, RuptureInitiative, RuptureKind
from contracts.documents import document_read, document_store
from contracts.models import Contract, Document
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import (
    ApprenticeFactory,
    AttendanceRecordFactory,
    CohortFactory,
    ProgrammeFactory,
    UserFactory,
    VisitFactory,
)
from tests.factories.companies import CompanyFactory, InteractionFactory
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))
TODAY = date(2026, 7, 15)
NIR = "2050375056123" + f"{nir_key('2050375056123'):02d}"


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(at(2026, 7, 15), tick=False)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def referent(settings):
    settings.QUALIOPI_REFERENT_HANDICAP = {"name": "Nadia Référente", "email": "handicap@cfa.test"}


@dataclass
class World:
    coordinator: User
    alice: Apprentice
    bruno: Apprentice
    chloe: Apprentice
    acme: Company
    beta: Company
    alice_contract: Contract
    bruno_broken: Contract
    visit_report: Document
    evaluation: Document
    convention: Document
    rupture_notice: Document
    alerts: dict
    signin_sheet: Document | None = None


def contract_for(apprentice, company, **extra) -> Contract:
    values = {
        "signature_date": date(2025, 8, 25), "start_date": date(2025, 9, 1), "practical_training_start_date": date(2025, 9, 3),
        "end_date": date(2027, 8, 31), "training_start_date": date(2025, 9, 1), "exams_end_date": date(2027, 6, 15),
    }
    values.update(extra)
    return ContractFactory(apprentice=apprentice, company=company, **values)


def build_world() -> World:
    """Alice (RQTH, NIR set) at ACME; Bruno whose contract at BETA broke on 10/02/2026 and who was
    hired by ACME through the placement desk; Chloé seeking; Denis dropped out; Emma (contract
    broken before the period); Farid (RQTH, nothing done). Records inside and outside the period."""
    coordinator = UserFactory(email="coordination@cfa.test", role=Role.COORDINATOR, first_name="Camille", last_name="Coord")
    tutor = UserFactory(email="tuteur@cfa.test", role=Role.TUTOR, first_name="Thomas", last_name="Tuteur")
    employer_user = UserFactory(email="ma@acme.test", role=Role.EMPLOYER, first_name="Marc", last_name="Maitre")
    programme = ProgrammeFactory(title="BTS Qualiopi")
    cohort = CohortFactory(name="Promotion 2025", programme=programme, referent_tutor=tutor,
                           start_date=date(2025, 9, 1), end_date=date(2027, 6, 30), exams_end_date=date(2027, 6, 15))
    acme = CompanyFactory(name="ACME Industrie")
    beta = CompanyFactory(name="Beta Services", sensitive=True, sensitive_reason="Turnover des tuteurs")
    gamma = CompanyFactory(name="Gamma Conseil")
    delta = CompanyFactory(name="Delta Logistique")

    alice = ApprenticeFactory(first_name="Alice", last_name="Martin", cohort=cohort, rqth=True, rqth_date=date(2025, 6, 1),
                              status=ApprenticeStatus.UNDER_CONTRACT)
    alice.set_nir(NIR)
    alice.save()
    bruno = ApprenticeFactory(first_name="Bruno", last_name="Petit", cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT)
    chloe = ApprenticeFactory(first_name="Chloé", last_name="Durand", cohort=cohort)
    ApprenticeFactory(first_name="Denis", last_name="Roux", cohort=cohort, status=ApprenticeStatus.DROPPED_OUT,
                      exclusion_date=date(2026, 5, 20), status_since=date(2026, 5, 20))
    emma = ApprenticeFactory(first_name="Emma", last_name="Blanc", cohort=cohort, status=ApprenticeStatus.RUPTURANT)
    ApprenticeFactory(first_name="Farid", last_name="Nour", cohort=cohort, rqth=True)

    alice_contract = contract_for(alice, acme)
    contract_for(alice, acme, master=alice_contract.master, contract_type=ContractType.AMEND_EXTENSION_RQTH, amends=alice_contract,
                 signature_date=date(2026, 6, 1), amendment_effective_date=date(2026, 6, 15), end_date=date(2027, 12, 31))
    bruno_broken = contract_for(bruno, beta, status=ContractStatus.BROKEN, rupture_date=date(2026, 2, 10),
                                rupture_kind=RuptureKind.MUTUAL_AGREEMENT, rupture_initiative=RuptureInitiative.APPRENTICE,
                                rupture_cause="Désaccord sur les missions confiées")
    contract_for(bruno, acme, contract_type=ContractType.SUCCESSION_AFTER_RUPTURE, signature_date=date(2026, 3, 21),
                 start_date=date(2026, 3, 25), practical_training_start_date=date(2026, 3, 26), training_start_date=date(2026, 3, 25))
    contract_for(emma, delta, status=ContractStatus.BROKEN, rupture_date=date(2025, 11, 15), rupture_kind=RuptureKind.FREE_PERIOD,
                 rupture_initiative=RuptureInitiative.EMPLOYER)

    VisitCriterion.objects.create(code="qualiopi-accueil", label="Accueil dans l'équipe", for_employer=True)
    VisitFactory(apprentice=alice, contract=alice_contract, kind=VisitKind.FIRST, planned_date=date(2026, 2, 3), done_date=date(2026, 2, 3),
                 master_feedback="Très bonne intégration", grid_answers={"qualiopi-accueil": {"score": 3, "comment": ""}})
    VisitFactory(apprentice=alice, contract=alice_contract, kind=VisitKind.FOLLOW_UP, planned_date=date(2026, 5, 12), done_date=date(2026, 5, 12),
                 at_risk=True, risk_comment="Tensions avec l'équipe", actions_agreed="Point tripartite en juin",
                 employer_grid_answers={"qualiopi-accueil": {"score": 2, "comment": "À suivre"}}, employer_comment="Apprentie motivée",
                 employer_submitted_at=at(2026, 5, 20), employer_submitted_by=employer_user)
    VisitFactory(apprentice=bruno, contract=bruno_broken, kind=VisitKind.MID_TERM_REVIEW, planned_date=date(2025, 12, 10),
                 done_date=date(2025, 12, 10), master_feedback="Avis hors période")
    VisitFactory(apprentice=bruno, contract=bruno_broken, kind=VisitKind.FIRST, planned_date=date(2026, 1, 20), done_date=date(2026, 1, 20))
    VisitFactory(apprentice=chloe, kind=VisitKind.FIRST, planned_date=date(2026, 3, 1))

    InteractionFactory(company=acme, apprentice=alice, author=coordinator, kind=InteractionKind.CALL, occurred_at=at(2026, 3, 5),
                       summary="Point sur l'aménagement du poste")
    InteractionFactory(company=gamma, author=coordinator, kind=InteractionKind.MEETING, occurred_at=at(2026, 4, 10),
                       summary="Présentation des formations")
    InteractionFactory(company=delta, author=coordinator, occurred_at=at(2025, 10, 1), summary="Échange hors période")
    InteractionFactory(company=beta, apprentice=bruno, author=coordinator, occurred_at=at(2026, 2, 5), summary="Médiation avant rupture")

    alerts = {
        "a1": AlertFactory(apprentice=alice, title="Absences répétées", raised_at=at(2026, 2, 1), status=AlertStatus.RESOLVED,
                           resolved_at=at(2026, 2, 15), closed_by=coordinator, resolution_reason="Appel à l'apprentie, absences justifiées"),
        "a2": AlertFactory(apprentice=bruno, title="Risque de rupture", raised_at=at(2025, 12, 1), status=AlertStatus.DISMISSED,
                           resolved_at=at(2026, 1, 10), closed_by=coordinator, resolution_reason="Doublon de l'alerte précédente"),
        "a3": AlertFactory(apprentice=chloe, title="Sans entreprise depuis 80 jours", raised_at=at(2026, 3, 1), status=AlertStatus.RESOLVED,
                           resolved_at=at(2026, 3, 5), auto_resolved=True, resolution_reason="Condition levée"),
        "a4": AlertFactory(apprentice=alice, title="Alerte future", raised_at=at(2026, 8, 1)),
        "a5": AlertFactory(apprentice=emma, title="Alerte ancienne", raised_at=at(2025, 10, 1), status=AlertStatus.RESOLVED,
                           resolved_at=at(2025, 11, 1), closed_by=coordinator, resolution_reason="Réglé"),
    }
    validated = AlertEvent.objects.create(alert=alerts["a1"], from_status=AlertStatus.NEW, to_status=AlertStatus.VALIDATED, author=coordinator)
    resolved = AlertEvent.objects.create(alert=alerts["a1"], from_status=AlertStatus.VALIDATED, to_status=AlertStatus.RESOLVED,
                                         author=coordinator, comment="Appel à l'apprentie, absences justifiées")
    AlertEvent.objects.filter(pk=validated.pk).update(created_at=at(2026, 2, 2))
    AlertEvent.objects.filter(pk=resolved.pk).update(created_at=at(2026, 2, 15))

    AttendanceRecordFactory(apprentice=alice, day=date(2026, 4, 2), half=HalfDay.MORNING, status=AttendanceStatus.ABSENT,
                            employer_notified_at=at(2026, 4, 2, 18))
    AttendanceRecordFactory(apprentice=alice, day=date(2025, 12, 1), half=HalfDay.MORNING, status=AttendanceStatus.ABSENT,
                            employer_notified_at=at(2025, 12, 2))
    AttendanceRecordFactory(apprentice=alice, day=date(2026, 4, 3), half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)

    hired = Placement.objects.create(apprentice=bruno, company=acme, status=PlacementStatus.HIRED, proposed_on=date(2026, 3, 1),
                                     interview_on=date(2026, 3, 10), decided_on=date(2026, 3, 20))
    event = PlacementEvent.objects.create(placement=hired, from_status=PlacementStatus.INTERVIEW, to_status=PlacementStatus.HIRED,
                                          comment="Embauche confirmée")
    PlacementEvent.objects.filter(pk=event.pk).update(at=at(2026, 3, 20))
    Placement.objects.create(apprentice=bruno, company=delta, status=PlacementStatus.REFUSED, proposed_on=date(2026, 1, 15))
    Placement.objects.create(apprentice=chloe, company=acme, proposed_on=date(2026, 4, 1))

    offer = Offer.objects.create(company=acme, programme=programme, places=2, start_date=date(2026, 9, 1), end_date=date(2028, 8, 31))
    Offer.objects.filter(pk=offer.pk).update(created_at=at(2026, 2, 20))
    old_offer = Offer.objects.create(company=acme, programme=programme, start_date=date(2025, 9, 1), end_date=date(2027, 8, 31))
    Offer.objects.filter(pk=old_offer.pk).update(created_at=at(2025, 7, 1))

    KeyDate.objects.create(cohort=cohort, kind=KeyDateKind.MEETING, label="Réunion des maîtres d'apprentissage", day=date(2026, 3, 15))
    KeyDate.objects.create(cohort=cohort, kind=KeyDateKind.EXAM, label="Épreuve E4", day=date(2026, 6, 10))
    KeyDate.objects.create(cohort=cohort, kind=KeyDateKind.MEETING, label="Réunion de rentrée", day=date(2026, 9, 10))

    visit_report = document_store(content=b"%PDF-1.4 compte rendu Alice", filename="cr.pdf", kind=DocumentKind.VISIT_REPORT,
                                  title="Compte rendu — Alice Martin", contract=alice_contract, generated=True,
                                  period_start=date(2026, 2, 3), period_end=date(2026, 2, 3))
    evaluation = document_store(content=b"%PDF-1.4 evaluation Chloe", filename="eval.pdf", kind=DocumentKind.EVALUATION,
                                title="Évaluation — Chloé Durand", apprentice=chloe, period_start=date(2026, 6, 1), period_end=date(2026, 6, 1))
    convention = document_store(content=b"%PDF-1.4 convention Bruno", filename="convention.pdf", kind=DocumentKind.CONVENTION,
                                title="Convention — Bruno Petit", contract=bruno_broken, generated=True)
    Document.objects.filter(pk=convention.pk).update(created_at=at(2026, 1, 5))
    old_convention = document_store(content=b"%PDF-1.4 ancienne", filename="old.pdf", kind=DocumentKind.CONVENTION,
                                    title="Convention ancienne", contract=alice_contract, generated=True)
    Document.objects.filter(pk=old_convention.pk).update(created_at=at(2025, 8, 20))
    rupture_notice = document_store(content=b"%PDF-1.4 rupture Bruno", filename="rupture.pdf", kind=DocumentKind.RUPTURE,
                                    title="Notification de rupture — Bruno Petit", contract=bruno_broken,
                                    period_start=date(2026, 2, 10), period_end=date(2026, 2, 10))
    # The cohort's monthly signed sheet of June (dated its last day: in the period), July's (after it),
    # and an apprentice's own monthly sheet (the cohort's already holds its lines: not repeated).
    def monthly(first, last, **owner):
        return document_store(content=f"%PDF-1.4 émargement {first}".encode(), filename="emargement.pdf",
                              kind=DocumentKind.MONTHLY_SIGNIN_SHEET, title="Feuille d'émargement mensuelle", generated=True,
                              period_start=first, period_end=last, **owner)
    signin_sheet = monthly(date(2026, 6, 1), date(2026, 6, 30), cohort=cohort)
    monthly(date(2026, 7, 1), date(2026, 7, 31), cohort=cohort)
    monthly(date(2026, 5, 1), date(2026, 5, 31), apprentice=alice)
    return World(coordinator=coordinator, alice=alice, bruno=bruno, chloe=chloe, acme=acme, beta=beta, alice_contract=alice_contract,
                 bruno_broken=bruno_broken, visit_report=visit_report, evaluation=evaluation, convention=convention,
                 rupture_notice=rupture_notice, alerts=alerts, signin_sheet=signin_sheet)


@pytest.fixture
def world() -> World:
    return build_world()


def by_number(evidence) -> dict:
    return {item.indicator.number: item for item in evidence}


def built_pack(world: World) -> EvidencePack:
    pack = EvidencePack.objects.create(period_start=PERIOD.start, period_end=PERIOD.end, created_by=world.coordinator)
    evidence_pack_build(pack=pack, today=TODAY)
    pack.refresh_from_db()
    assert pack.status == JobStatus.DONE, pack.error
    return pack


def zip_of(pack: EvidencePack) -> zipfile.ZipFile:
    with pack.archive.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def csv_rows(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    text = archive.read(name).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


# --- counts and examples ------------------------------------------------------------------------------

def test_indicators_cover_12_13_26_28_30_and_32_with_their_folders():
    assert [(i.number, i.folder) for i in INDICATORS] == [
        (12, "12-engagement-et-prevention-des-abandons"),
        (13, "13-coordination-centre-entreprise"),
        (26, "26-accueil-des-publics-en-situation-de-handicap"),
        (28, "28-reseau-des-entreprises-partenaires"),
        (30, "30-appreciations-des-parties-prenantes"),
        (32, "32-analyse-des-abandons-et-amelioration"),
    ]


def test_counts_per_indicator_take_only_the_records_of_the_period(world):
    evidence = by_number(collect_evidence(PERIOD))

    assert evidence[12].counts == [
        ("Alertes levées (risques détectés)", 2),
        ("Alertes traitées et closes par l'équipe", 2),
        ("Visites signalant un risque de rupture", 1),
        ("Échanges avec les entreprises au sujet d'un·e apprenti·e", 2),
        ("Absences signalées à l'employeur", 1),
        ("Mises en relation de rupturant·es avec une entreprise", 1),
        ("Alertes closes automatiquement (situation rétablie)", 1),
        ("Apprenti·es accompagné·es après une rupture", 1),
        ("… dont embauché·es par une entreprise proposée", 1),
    ]
    assert evidence[13].counts == [
        ("Visites en entreprise et bilans réalisés", 3),
        ("Comptes rendus de visite archivés", 1),
        ("Évaluations et documents d'assiduité archivés", 1),
        ("Feuilles d'émargement mensuelles des promotions", 1),
        ("Réunions et bilans inscrits au calendrier des promotions", 1),
        ("… dont première visite", 2),
        ("… dont visite de suivi", 1),
        ("… dont bilan de mi-parcours", 0),
        ("… dont bilan de fin de formation", 0),
    ]
    assert evidence[26].counts == [
        ("Visites et bilans d'apprenti·es RQTH", 2),
        ("Échanges avec les employeurs au sujet d'apprenti·es RQTH", 1),
        ("Avenants de prolongation liés à la RQTH", 1),
        ("Documents archivés d'apprenti·es RQTH (comptes rendus, évaluations, avenants)", 1),
        ("Apprenti·es RQTH en formation sur la période", 2),
        ("… dont sans action enregistrée sur la période", 1),
    ]
    assert evidence[28].counts == [
        ("Échanges avec les entreprises (CRM)", 3),
        ("Offres de places reçues des entreprises", 1),
        ("Contrats conclus avec une entreprise d'accueil", 1),
        ("Conventions de formation et documents signés archivés", 1),
        ("Entreprises partenaires actives sur la période", 3),
        ("… dont ayant accueilli au moins un·e apprenti·e", 2),
        ("… dont signalées sensibles (suivi renforcé)", 1),
    ]
    assert evidence[30].counts == [
        ("Évaluations remplies par les employeurs sur l'extranet", 1),
        ("Avis des maîtres d'apprentissage recueillis en visite", 1),
        ("Entreprises distinctes ayant rendu une évaluation", 1),
    ]
    assert evidence[32].counts == [
        ("Ruptures de contrat analysées", 1),
        ("Abandons et exclusions", 1),
        ("Notifications de rupture archivées", 1),
        ("… dont accord commun écrit", 1),
        ("… à l'initiative : apprenti·e", 1),
    ]


def test_a_period_without_records_counts_zero_everywhere(world):
    evidence = collect_evidence(Period(date(2024, 1, 1), date(2024, 6, 30)))

    assert all(value == 0 for item in evidence for _label, value in item.counts)
    assert all(item.examples == [] and item.documents == [] for item in evidence)


def test_engagement_examples_take_one_of_each_kind_most_recent_first(world):
    examples = by_number(collect_evidence(PERIOD))[12].examples

    assert [(e.day, e.text) for e in examples] == [
        (date(2026, 5, 12), "Visite de suivi — Alice Martin : risque de rupture signalé — Tensions avec l'équipe"),
        (date(2026, 4, 2), "Absence du 02/04/2026 signalée à l'employeur — Alice Martin"),
        (date(2026, 3, 5), "Échange (appel) avec ACME Industrie — Alice Martin : Point sur l'aménagement du poste"),
        (date(2026, 3, 1), "Bruno Petit (rupture du 10/02/2026) proposé·e à ACME Industrie — embauché·e"),
        (date(2026, 2, 15), "Alerte « Absences répétées » (Alice Martin) : résolue par Camille Coord — Appel à l'apprentie, absences justifiées"),
    ]


def test_other_indicators_examples_name_the_records_of_the_period(world):
    evidence = by_number(collect_evidence(PERIOD))

    assert [e.day for e in evidence[13].examples] == [date(2026, 5, 12), date(2026, 3, 15), date(2026, 2, 3), date(2026, 1, 20)]
    assert [e.text for e in evidence[26].examples] == [
        "Avenant de prolongation (RQTH) — Alice Martin (ACME Industrie) : Contrat prolongé jusqu'au 31/12/2027",
        "Visite de suivi — Alice Martin (ACME Industrie) : Point tripartite en juin",
        "Échange (appel) — Alice Martin (ACME Industrie) : Point sur l'aménagement du poste",
        "Première visite — Alice Martin (ACME Industrie)",
    ]
    assert [e.text for e in evidence[30].examples] == [
        "Évaluation de l'employeur — Alice Martin (ACME Industrie) — « Apprentie motivée »",
        "Avis du maître d'apprentissage — Alice Martin (première visite) : « Très bonne intégration »",
    ]
    assert [(e.day, e.text) for e in evidence[32].examples] == [
        (date(2026, 2, 10), "Bruno Petit chez Beta Services : accord commun écrit, initiative apprenti·e — Désaccord sur les missions confiées"),
    ]
    assert evidence[26].notes == ["Référent handicap de l'organisme : Nadia Référente (handicap@cfa.test)."]


def test_documents_of_each_indicator_are_those_of_the_period(world):
    evidence = by_number(collect_evidence(PERIOD))

    assert [d.pk for d in evidence[13].documents] == [world.visit_report.pk, world.evaluation.pk, world.signin_sheet.pk]
    assert [d.pk for d in evidence[26].documents] == [world.visit_report.pk]
    assert [d.pk for d in evidence[28].documents] == [world.convention.pk]
    assert [d.pk for d in evidence[32].documents] == [world.rupture_notice.pk]
    assert evidence[12].documents == [] and evidence[30].documents == []


def test_referent_handicap_missing_is_said_with_how_to_set_it(world, settings):
    settings.QUALIOPI_REFERENT_HANDICAP = {"name": "", "email": ""}

    notes = by_number(collect_evidence(PERIOD))[26].notes

    assert notes == [
        "Référent handicap non renseigné : indiquez son nom et son e-mail dans les variables "
        "REFERENT_HANDICAP_PRENOM, REFERENT_HANDICAP_NOM et REFERENT_HANDICAP_EMAIL, puis produisez à nouveau le dossier."
    ]


# --- the ZIP ---------------------------------------------------------------------------------------------

def test_zip_has_one_folder_per_indicator_with_extracts_documents_and_the_summary_at_the_root(world):
    pack = built_pack(world)
    archive = zip_of(pack)
    report, evaluation = document_entry_name_of(world.visit_report), document_entry_name_of(world.evaluation)

    assert report == f"2026-02-03-compte-rendu-de-visite-martin-alice-{world.visit_report.pk}.pdf"
    assert evaluation == f"2026-06-01-evaluation-durand-chloe-{world.evaluation.pk}.pdf"
    assert archive.namelist() == [
        "12-engagement-et-prevention-des-abandons/alertes.csv",
        "12-engagement-et-prevention-des-abandons/alertes-historique.csv",
        "12-engagement-et-prevention-des-abandons/visites-risque-de-rupture.csv",
        "12-engagement-et-prevention-des-abandons/echanges-de-suivi.csv",
        "12-engagement-et-prevention-des-abandons/absences-signalees-a-l-employeur.csv",
        "12-engagement-et-prevention-des-abandons/accompagnement-apres-rupture.csv",
        "13-coordination-centre-entreprise/visites-et-bilans.csv",
        "13-coordination-centre-entreprise/reunions-et-bilans-planifies.csv",
        f"13-coordination-centre-entreprise/documents/{report}",
        f"13-coordination-centre-entreprise/documents/{evaluation}",
        f"13-coordination-centre-entreprise/documents/2026-06-30-feuille-demargement-mensuelle-promotion-2025-{world.signin_sheet.pk}.pdf",
        "26-accueil-des-publics-en-situation-de-handicap/apprentis-rqth.csv",
        "26-accueil-des-publics-en-situation-de-handicap/actions-rqth.csv",
        f"26-accueil-des-publics-en-situation-de-handicap/documents/{report}",
        "28-reseau-des-entreprises-partenaires/entreprises-partenaires.csv",
        "28-reseau-des-entreprises-partenaires/echanges-entreprises.csv",
        "28-reseau-des-entreprises-partenaires/offres-des-entreprises.csv",
        f"28-reseau-des-entreprises-partenaires/documents/2026-01-05-convention-de-formation-petit-bruno-{world.convention.pk}.pdf",
        "30-appreciations-des-parties-prenantes/evaluations-des-employeurs.csv",
        "30-appreciations-des-parties-prenantes/avis-des-maitres-d-apprentissage.csv",
        "32-analyse-des-abandons-et-amelioration/ruptures.csv",
        "32-analyse-des-abandons-et-amelioration/causes-de-rupture.csv",
        "32-analyse-des-abandons-et-amelioration/abandons.csv",
        f"32-analyse-des-abandons-et-amelioration/documents/2026-02-10-notification-de-rupture-petit-bruno-{world.rupture_notice.pk}.pdf",
        "synthese-qualiopi-20260101-20260630.pdf",
        "index.csv",
    ]
    assert len(set(archive.namelist())) == len(archive.namelist())
    assert archive.read(f"13-coordination-centre-entreprise/documents/{report}") == document_read(world.visit_report)
    assert archive.read(f"26-accueil-des-publics-en-situation-de-handicap/documents/{report}") == document_read(world.visit_report)
    with pack.pdf.open("rb") as handle:
        assert archive.read("synthese-qualiopi-20260101-20260630.pdf") == handle.read()


def document_entry_name_of(document: Document) -> str:
    return document_entry_name(annotated(Document).get(pk=document.pk))


def test_zip_csv_extracts_hold_the_records_and_their_history(world):
    archive = zip_of(built_pack(world))
    folder = "12-engagement-et-prevention-des-abandons"
    alerts = world.alerts

    rows = csv_rows(archive, f"{folder}/alertes.csv")
    assert [row[0] for row in rows[1:]] == [str(alerts["a2"].pk), str(alerts["a1"].pk), str(alerts["a3"].pk)]
    assert rows[2][7:13] == ["Résolue", "", "15/02/2026 10:00", "Camille Coord", "non", "Appel à l'apprentie, absences justifiées"]
    history = csv_rows(archive, f"{folder}/alertes-historique.csv")
    assert history[1:] == [
        [str(alerts["a1"].pk), "02/02/2026 10:00", "Nouvelle", "Validée", "Camille Coord", ""],
        [str(alerts["a1"].pk), "15/02/2026 10:00", "Validée", "Résolue", "Camille Coord", "Appel à l'apprentie, absences justifiées"],
    ]
    placements = csv_rows(archive, f"{folder}/accompagnement-apres-rupture.csv")
    assert placements[1:] == [
        ["Bruno Petit", "10/02/2026", "ACME Industrie", "01/03/2026", "Embauché·e", "10/03/2026", "20/03/2026",
         "20/03/2026 : Embauché·e (Embauche confirmée)"],
    ]
    companies = csv_rows(archive, "28-reseau-des-entreprises-partenaires/entreprises-partenaires.csv")
    assert [(row[0], row[5], row[6], row[7], row[9]) for row in companies[1:]] == [
        ("ACME Industrie", "2", "1", "1", "non"),
        ("Beta Services", "1", "1", "0", "oui"),
        ("Gamma Conseil", "0", "1", "0", "non"),
    ]
    rqth = csv_rows(archive, "26-accueil-des-publics-en-situation-de-handicap/apprentis-rqth.csv")
    assert [row[0:2] + row[4:] for row in rqth[1:]] == [
        ["Alice Martin", "Promotion 2025", "2", "1", "15/06/2026"],
        ["Farid Nour", "Promotion 2025", "0", "0", ""],
    ]
    causes = csv_rows(archive, "32-analyse-des-abandons-et-amelioration/causes-de-rupture.csv")
    assert causes == [["Type de rupture", "Initiative", "Nombre"], ["Accord commun écrit", "Apprenti·e", "1"]]


def test_index_lists_every_file_with_its_sha256(world):
    archive = zip_of(built_pack(world))

    index = csv_rows(archive, "index.csv")
    listed = {row[0]: row for row in index[1:]}
    assert list(listed) == [name for name in archive.namelist() if name != "index.csv"]
    for name, row in listed.items():
        assert row[3] == hashlib.sha256(archive.read(name)).hexdigest()


def test_a_document_altered_since_stored_is_left_out_and_named_in_the_summary(world):
    with world.evaluation.file.open("wb") as handle:
        handle.write(b"contenu remplace")

    pack = built_pack(world)

    section = next(s for s in pack.summary["indicators"] if s["number"] == 13)
    assert not any(name.endswith(f"-{world.evaluation.pk}.pdf") for name in zip_of(pack).namelist())
    assert section["skipped"] == [
        f"Fichier modifié depuis son archivage, non joint : Évaluation — Chloé Durand (document n° {world.evaluation.pk})"
    ]


def test_the_nir_is_never_in_the_pack(world):
    pack = built_pack(world)
    archive = zip_of(pack)

    assert Apprentice.objects.get(pk=world.alice.pk).get_nir() == NIR
    for name in archive.namelist():
        assert NIR.encode() not in archive.read(name), name
    assert NIR not in pdf_text(pack)


# --- the PDF -------------------------------------------------------------------------------------------

def pdf_text(pack: EvidencePack) -> str:
    with pack.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_pdf_summary_shows_cover_titles_counts_examples_and_files(world):
    pack = built_pack(world)

    text = pdf_text(pack)

    assert "Dossier de preuves Qualiopi" in text
    assert "Période du 01/01/2026 au 30/06/2026" in text
    assert "Établi le 15/07/2026" in text
    for indicator in INDICATORS:
        assert f"Indicateur {indicator.number} — {indicator.title}" in text
    assert "Alertes levées (risques détectés) 2" in text
    assert "Visites en entreprise et bilans réalisés 3" in text
    assert "Entreprises partenaires actives sur la période 3" in text
    assert "Référent handicap de l'organisme : Nadia Référente (handicap@cfa.test)." in text
    assert "Bruno Petit (rupture du 10/02/2026) proposé·e à ACME Industrie" in text
    assert "32-analyse-des-abandons-et-amelioration/ruptures.csv" in text
    assert f"petit-bruno-{world.rupture_notice.pk}.pdf" in text


def test_summary_json_mirrors_the_pdf(world):
    pack = built_pack(world)

    summary = pack.summary
    assert summary["generated_on"] == "2026-07-15"
    assert summary["files"] == 26
    first = summary["indicators"][0]
    assert (first["number"], first["folder"]) == (12, "12-engagement-et-prevention-des-abandons")
    assert first["counts"][0] == {"label": "Alertes levées (risques détectés)", "value": 2}
    assert first["examples"][0] == {
        "date": "2026-05-12", "text": "Visite de suivi — Alice Martin : risque de rupture signalé — Tensions avec l'équipe",
    }


# --- freshness -----------------------------------------------------------------------------------------

def test_freshness_flags_indicators_without_evidence_in_the_last_90_days(world):
    freshness = {item.number: item for item in evidence_freshness(today=TODAY)}

    # Window: 17/04/2026 – 15/07/2026. Records dated after today (an alert raised on 01/08, a
    # meeting on 10/09) prove nothing yet.
    assert list(freshness) == [12, 13, 26, 28, 30]
    assert (freshness[12].last_evidence, freshness[12].recent_count, freshness[12].lacking) == (date(2026, 5, 12), 1, False)
    # 13: the cohort's June signed sheet (dated 30/06) is its latest evidence; July's is dated after today.
    assert (freshness[13].last_evidence, freshness[13].recent_count, freshness[13].lacking) == (date(2026, 6, 30), 3, False)
    assert (freshness[26].last_evidence, freshness[26].recent_count, freshness[26].lacking) == (date(2026, 6, 15), 2, False)
    assert (freshness[28].last_evidence, freshness[28].recent_count, freshness[28].lacking) == (date(2026, 4, 10), 0, True)
    assert (freshness[30].last_evidence, freshness[30].recent_count, freshness[30].lacking) == (date(2026, 5, 20), 1, False)
    assert {item.window_days for item in freshness.values()} == {90}


def test_freshness_window_follows_the_setting(world, settings):
    settings.QUALIOPI_FRESHNESS_DAYS = 120

    freshness = {item.number: item for item in evidence_freshness(today=TODAY)}

    # Window: 18/03/2026 – 15/07/2026: the meeting with Gamma (10/04) and Bruno's new contract (21/03).
    assert (freshness[28].recent_count, freshness[28].lacking, freshness[28].window_days) == (2, False, 120)


def test_freshness_with_no_data_is_lacking_everywhere_and_says_the_referent_is_missing(settings):
    settings.QUALIOPI_REFERENT_HANDICAP = {"name": "", "email": ""}

    freshness = evidence_freshness(today=TODAY)

    assert [(item.number, item.last_evidence, item.recent_count, item.lacking) for item in freshness] == [
        (12, None, 0, True), (13, None, 0, True), (26, None, 0, True), (28, None, 0, True), (30, None, 0, True),
    ]
    assert freshness[2].note == "Référent handicap non renseigné (REFERENT_HANDICAP_NOM)."


def add_more_evidence(n: int) -> None:
    apprentice = ApprenticeFactory(rqth=True)
    company = CompanyFactory()
    for i in range(n):
        VisitFactory(apprentice=apprentice, planned_date=date(2026, 6, 1 + i), done_date=date(2026, 6, 1 + i), at_risk=True,
                     risk_comment="Risque", master_feedback="Avis")
        InteractionFactory(company=company, apprentice=apprentice, occurred_at=at(2026, 6, 1 + i))
        Alert.objects.create(
            rule_code=f"regle.{i}", subject_type=ContentType.objects.get_for_model(apprentice), subject_id=apprentice.pk,
            subject_label="x", apprentice=apprentice, title="x", concerned_role="tutor", raised_at=at(2026, 6, 1 + i),
        )


def test_freshness_runs_a_constant_number_of_queries(world, django_assert_num_queries):
    # One aggregate query per model of the tracked sources: alerts, visits, exchanges, attendance,
    # placements, documents, key dates, contracts, offers.
    with django_assert_num_queries(9):
        evidence_freshness(today=TODAY)
    add_more_evidence(12)
    with django_assert_num_queries(9):
        freshness = evidence_freshness(today=TODAY)
    assert {item.number: item.recent_count for item in freshness}[12] == 1 + 12 * 3
