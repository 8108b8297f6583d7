"""Issue 15 §5: a programme may be a CQP or a qualification recognised by a branch, without an RNCP
code (L6314-1): it is prepared in contrat pro only; an apprenticeship on it is a pre-flight finding,
and the Tableau de bord export leaves its learners out instead of failing on them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alternance.catalogue import services
from alternance.catalogue.forms import ProgrammeForm
from alternance.choices import CertificationKind, DiplomaCode, QualificationLevel
from alternance.models import Programme
from alternance.tdb.services import tdb_check
from tests.alternance.tdb.tdb_support import learner
from tests.factories.alternance import CohortFactory, CoordinatorFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


def programme_data(**overrides) -> dict:
    return {
        "title": "CQP Technicien de maintenance industrielle", "short_title": "CQP TMI", "rncp_code": "",
        "certification_kind": CertificationKind.CQP, "cfd_code": "", "diploma_code": DiplomaCode.OTHER_BAC,
        "level": QualificationLevel.LEVEL_4, "duration_months": 12, "training_hours": 450, "admissions_open": False, **overrides,
    }


@pytest.mark.parametrize(
    ("kind", "rncp", "accepted"),
    [
        (CertificationKind.CQP, "", True),
        (CertificationKind.BRANCH, "", True),
        (CertificationKind.CQP, "RNCP 35340", True),  # a CQP registered in the RNCP keeps its code
        (CertificationKind.RNCP, "", False),
        (CertificationKind.RNCP, "RNCP35340", True),
    ],
)
def test_only_an_rncp_certification_needs_an_rncp_code(kind, rncp, accepted):
    data = programme_data(certification_kind=kind, rncp_code=rncp)
    if not accepted:
        with pytest.raises(ValidationError) as error:
            services.programme_create(by=CoordinatorFactory(), data=data)
        assert error.value.message_dict["rncp_code"] == [
            "Indiquez le code RNCP de la certification, par exemple RNCP35341 ; pour un CQP ou une qualification de branche "
            "sans code RNCP, choisissez ce type de certification."
        ]
        assert not Programme.objects.exists()
        return
    services.programme_create(by=CoordinatorFactory(), data=data)
    stored = Programme.objects.get()
    assert (stored.certification_kind, stored.rncp_code) == (kind, rncp.replace(" ", ""))


def test_the_database_refuses_an_rncp_certification_without_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeFactory(certification_kind=CertificationKind.RNCP, rncp_code="")


def test_the_programme_form_accepts_a_cqp_without_rncp_code():
    form = ProgrammeForm(data={**programme_data(), "certification_kind": "cqp"})

    assert form.is_valid(), form.errors
    assert form.data_for_service()["rncp_code"] == ""


def test_the_tableau_de_bord_export_leaves_out_the_learners_of_a_programme_without_rncp_code():
    cqp = CohortFactory(programme=ProgrammeFactory(certification_kind=CertificationKind.CQP, rncp_code="", cfd_code=""),
                        start_date=date(2026, 9, 1), end_date=date(2027, 8, 31), exams_end_date=None)
    rncp = CohortFactory(start_date=date(2026, 9, 1), end_date=date(2028, 6, 30), exams_end_date=None)
    in_cqp, in_rncp = learner(cohort=cqp), learner(cohort=rncp)

    check = tdb_check(school_year="2026-2027")

    ids = {row.apprentice_id for row in check.ok_rows + check.rejected_rows}
    assert in_rncp.pk in ids and in_cqp.pk not in ids
