"""Visits: planning, the standard grid (stored format, scale bounds, risk reason), its effect on the
rupture-risk rule, and the visit report PDF read back with pypdf."""

import io
from datetime import date

import pypdf
import pytest
from django.core.exceptions import ValidationError

from alerts.models import Alert, RuleSettings
from alerts.rules import rupture_risk
from alerts.services import nightly_run, rule_context
from alternance.choices import Role, VisitKind, VisitMode
from alternance.models import Visit, VisitCriterion
from alternance.tutoring.pdf import visit_report_generate, visit_report_pdf
from alternance.tutoring.services import (
    GridAnswer,
    grid_answers_clean,
    visit_criteria_install_standard,
    visit_plan,
    visit_record,
)
from contracts.choices import ContractStatus, DocumentKind
from contracts.documents import document_is_intact, document_read
from tests.factories.alternance import ApprenticeFactory, CohortFactory, UserFactory
from tests.factories.contracts import ContractFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)
STANDARD = ["integration", "skills_progress", "master_relationship", "attendance", "rupture_risk"]


@pytest.fixture(autouse=True)
def standard_criteria(db):
    """The grid installed by migration 0003 (a transactional test elsewhere may have flushed it)."""
    visit_criteria_install_standard()


@pytest.fixture
def contract():
    tutor = UserFactory(email="tuteur-grille@example.test", role=Role.TUTOR, first_name="Théo", last_name="Tuteur")
    cohort = CohortFactory(name="BTS MCO 2026", referent_tutor=tutor)
    apprentice = ApprenticeFactory(first_name="Inès", last_name="Moreau", cohort=cohort, status="under_contract")
    return ContractFactory(apprentice=apprentice, status=ContractStatus.IN_PROGRESS)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def answers(*scores: int | None, comment: str = "") -> dict[str, GridAnswer]:
    return {code: GridAnswer(score=score, comment=comment) for code, score in zip(STANDARD, scores, strict=True)}


def planned(contract, kind=VisitKind.FIRST) -> Visit:
    return visit_plan(apprentice=contract.apprentice, kind=kind, planned_date=date(2026, 11, 20), by=contract.apprentice.cohort.referent_tutor)


def test_the_migration_installs_the_five_standard_criteria_in_french():
    # The employer's criteria (migration 0006) are tested in test_evaluations.py.
    criteria = list(
        VisitCriterion.objects.filter(for_employer=False).order_by("order").values_list("code", "label", "scale_max", "active", "for_employer")
    )
    assert criteria == [
        ("integration", "Intégration dans l'entreprise", 4, True, False),
        ("skills_progress", "Progression des compétences", 4, True, False),
        ("master_relationship", "Relation avec le maître d'apprentissage", 4, True, False),
        ("attendance", "Assiduité et ponctualité", 4, True, False),
        ("rupture_risk", "Risque de rupture", 4, True, False),
    ]


def test_planning_a_visit_ties_it_to_the_current_contract_and_the_tutor(contract):
    visit = planned(contract, VisitKind.MID_TERM_REVIEW)

    visit.refresh_from_db()
    assert (visit.apprentice_id, visit.contract_id, visit.tutor_id, visit.kind, visit.planned_date, visit.done_date) == (
        contract.apprentice_id, contract.pk, contract.apprentice.cohort.referent_tutor_id, VisitKind.MID_TERM_REVIEW,
        date(2026, 11, 20), None,
    )


def test_a_visit_planned_by_the_coordinator_goes_to_the_cohorts_referent_tutor(contract):
    coordinator = UserFactory(role=Role.COORDINATOR)
    visit = visit_plan(apprentice=contract.apprentice, kind=VisitKind.FOLLOW_UP, planned_date=date(2026, 12, 1), by=coordinator)
    assert visit.tutor_id == contract.apprentice.cohort.referent_tutor_id


def test_recording_the_grid_stores_scores_and_comments_in_the_grid_answers_format(contract):
    visit = planned(contract)

    visit_record(
        visit=visit, answers={**answers(3, 4, 2, None, 4), "attendance": GridAnswer(score=None, comment="À revoir")},
        done_date=date(2026, 11, 20), today=TODAY, by=visit.tutor, master_feedback="Très investie.",
        actions_agreed="Point dans un mois.", report="Bonne intégration.", mode=VisitMode.REMOTE,
    )

    visit.refresh_from_db()
    assert visit.grid_answers == {
        "integration": {"score": 3, "comment": ""},
        "skills_progress": {"score": 4, "comment": ""},
        "master_relationship": {"score": 2, "comment": ""},
        "attendance": {"score": None, "comment": "À revoir"},
        "rupture_risk": {"score": 4, "comment": ""},
    }
    assert (visit.done_date, visit.master_feedback, visit.actions_agreed, visit.report, visit.mode, visit.at_risk) == (
        date(2026, 11, 20), "Très investie.", "Point dans un mois.", "Bonne intégration.", VisitMode.REMOTE, False,
    )
    assert rupture_risk.grid_average(visit.grid_answers) == 3.25


@pytest.mark.parametrize("score", [0, 5, -1])
def test_a_score_outside_the_criterions_scale_is_refused_and_nothing_is_saved(contract, score):
    visit = planned(contract)

    with pytest.raises(ValidationError) as error:
        visit_record(visit=visit, answers=answers(score, 3, 3, 3, 3), done_date=date(2026, 11, 20), today=TODAY, by=visit.tutor)

    assert error.value.message_dict == {"score_integration": ["« Intégration dans l'entreprise » : choisissez une note de 1 à 4."]}
    visit.refresh_from_db()
    assert (visit.done_date, visit.grid_answers) == (None, {})


def test_the_scale_is_the_criterions_own():
    criterion = VisitCriterion.objects.create(code="autonomie", label="Autonomie", scale_max=6, order=99)
    assert grid_answers_clean({"autonomie": GridAnswer(score=6)}, [criterion]) == {"autonomie": {"score": 6, "comment": ""}}
    with pytest.raises(ValidationError):
        grid_answers_clean({"autonomie": GridAnswer(score=7)}, [criterion])
    with pytest.raises(ValidationError):
        grid_answers_clean({"inconnu": GridAnswer(score=1)}, [criterion])


def test_flagging_a_risk_requires_its_reason(contract):
    visit = planned(contract)

    with pytest.raises(ValidationError) as error:
        visit_record(visit=visit, answers=answers(3, 3, 3, 3, 3), done_date=date(2026, 11, 20), today=TODAY, by=visit.tutor,
                     at_risk=True, risk_comment="   ")

    assert error.value.message_dict["risk_comment"] == ["Expliquez en quelques mots le risque de rupture signalé."]
    visit.refresh_from_db()
    assert (visit.at_risk, visit.done_date) == (False, None)


def test_a_visit_cannot_be_recorded_as_done_in_the_future(contract):
    visit = planned(contract)
    with pytest.raises(ValidationError) as error:
        visit_record(visit=visit, answers={}, done_date=date(2026, 11, 29), today=TODAY, by=visit.tutor)
    assert list(error.value.message_dict) == ["done_date"]


# --- effect on the rupture-risk signal ------------------------------------------------------------


def factors_for(apprentice_id: int, today: date) -> list[str]:
    findings = [f for f in rupture_risk.check(rule_context(today)) if f.apprentice_id == apprentice_id]
    return [factor["code"] for finding in findings for factor in finding.facts["factors"]]


def test_a_visit_flagged_at_risk_makes_the_rupture_risk_rule_find_the_apprentice(contract):
    visit = planned(contract)
    assert factors_for(contract.apprentice_id, TODAY) == []

    visit_record(visit=visit, answers=answers(3, 3, 3, 3, 3), done_date=date(2026, 11, 20), today=TODAY, by=visit.tutor,
                 at_risk=True, risk_comment="Tensions avec le maître d'apprentissage.")

    findings = [f for f in rupture_risk.check(rule_context(TODAY)) if f.apprentice_id == contract.apprentice_id]
    assert len(findings) == 1
    assert findings[0].facts["factors"] == [{
        "code": "visit_at_risk", "weight": 3, "date": "2026-11-20",
        "label": "Visite du 20/11/2026 : risque signalé — Tensions avec le maître d'apprentissage.",
    }]


def test_a_low_grid_average_feeds_the_rupture_risk_rule_through_the_nightly_run(contract):
    RuleSettings.objects.update_or_create(pk=1, defaults={"rupture_risk_threshold": 2})
    visit = planned(contract)

    visit_record(visit=visit, answers=answers(2, 1, 2, 2, 1), done_date=date(2026, 11, 20), today=TODAY, by=visit.tutor)
    nightly_run(today=TODAY, rules=["rupture_risk"])

    alert = Alert.objects.get(rule_code="rupture_risk", apprentice=contract.apprentice)
    assert [(f["code"], f["average"]) for f in alert.facts["factors"]] == [("low_grid_score", 1.6)]


def test_a_good_grid_raises_no_rupture_risk(contract):
    RuleSettings.objects.update_or_create(pk=1, defaults={"rupture_risk_threshold": 2})
    visit = planned(contract)
    visit_record(visit=visit, answers=answers(3, 4, 3, 4, 4), done_date=date(2026, 11, 20), today=TODAY, by=visit.tutor)
    assert factors_for(contract.apprentice_id, TODAY) == []


# --- the report PDF ----------------------------------------------------------------------------------


def test_the_visit_report_pdf_shows_the_apprentice_the_criteria_and_the_scores(contract, media):
    visit = planned(contract)
    visit = visit_record(
        visit=visit, answers=answers(3, 4, 2, 1, 4, comment=""), done_date=date(2026, 11, 20), today=TODAY, by=visit.tutor,
        master_feedback="Apprentie motivée.", actions_agreed="Revoir les horaires.", at_risk=True, risk_comment="Retards répétés.",
    )

    document = visit_report_generate(visit=visit, by=visit.tutor, today=TODAY)

    document.refresh_from_db()
    assert (document.kind, document.is_generated, document.version, document.apprentice_id, document.contract_id, document.period_start) == (
        DocumentKind.VISIT_REPORT, True, 1, contract.apprentice_id, contract.pk, date(2026, 11, 20),
    )
    assert document_is_intact(document)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document_read(document))).pages)
    flat = " ".join(text.split())
    assert "Compte rendu de visite" in flat
    assert "Inès Moreau" in flat
    for label, score in [
        ("Intégration dans l'entreprise", "3 / 4"), ("Progression des compétences", "4 / 4"),
        ("Relation avec le maître d'apprentissage", "2 / 4"), ("Assiduité et ponctualité", "1 / 4"),
    ]:
        assert f"{label} {score}" in flat
    # The stored report is the one shared with the company and the apprentice (issue 17 §7): no
    # rupture-risk criterion, flag nor comment; the average is that of the criteria it prints.
    assert "Moyenne de la grille : 2,5" in flat or "Moyenne de la grille : 2.5" in flat
    assert "Apprentie motivée." in flat and "Revoir les horaires." in flat
    assert "Risque" not in flat and "Retards répétés." not in flat
    internal = pypdf.PdfReader(io.BytesIO(visit_report_pdf(visit, today=TODAY, confidential=True))).pages
    internal_flat = " ".join("\n".join(page.extract_text() for page in internal).split())
    assert "Risque de rupture 4 / 4" in internal_flat and "Risque signalé — Retards répétés." in internal_flat
    assert "Moyenne de la grille : 2,8" in internal_flat or "Moyenne de la grille : 2.8" in internal_flat
    assert visit_report_generate(visit=visit, by=visit.tutor, today=TODAY).version == 2


def test_the_migration_and_the_install_service_agree():
    from importlib import import_module

    from alternance.tutoring.services import STANDARD_CRITERIA

    migration = import_module("alternance.migrations.0003_visit_criteria")
    assert migration.STANDARD_CRITERIA == STANDARD_CRITERIA
