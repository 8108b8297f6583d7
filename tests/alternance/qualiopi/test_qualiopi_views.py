"""Qualiopi pages: who may open them (every URL, every role), launching a pack (Celery task run
eagerly), following it (htmx polling), downloading its PDF and ZIP, the period validation, the
history's query count and the freshness panel meant for the coordinator's dashboard."""

import io
import zipfile
from datetime import date, datetime
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.urls import reverse

from alternance.choices import JobStatus, Role
from alternance.models import EvidencePack
from alternance.qualiopi import IndicatorFreshness, evidence_freshness
from alternance.qualiopi.packs import evidence_pack_build
from alternance.qualiopi.tasks import build_evidence_pack
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)
ALL_ROLES = (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER)
ALLOWED = (Role.COORDINATOR, Role.ADMIN_STAFF)


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    return make_world()


def done_pack(world, **extra) -> EvidencePack:
    """A finished pack with small stand-in files (the build itself is tested elsewhere)."""
    pack = EvidencePack.objects.create(
        period_start=date(2025, 11, 29), period_end=date(2026, 11, 28), created_by=world.coordinator, status=JobStatus.DONE,
        summary={"generated_on": "2026-11-28", "files": 1, "indicators": []}, **extra,
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.csv", "x")
    pack.pdf.save("synthese.pdf", ContentFile(b"%PDF-1.4 synthese"), save=False)
    pack.archive.save("preuves.zip", ContentFile(buffer.getvalue()), save=False)
    pack.save()
    return pack


def urls(pack: EvidencePack) -> list[str]:
    return [
        reverse("qualiopi_packs"),
        reverse("qualiopi_pack_detail", args=[pack.pk]),
        reverse("qualiopi_pack_status", args=[pack.pk]),
        reverse("qualiopi_pack_pdf", args=[pack.pk]),
        reverse("qualiopi_pack_archive", args=[pack.pk]),
    ]


# --- access --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_url_is_for_the_coordinator_and_admin_staff_only(client, world, role):
    pack = done_pack(world)
    client.force_login(world.user(role))

    codes = [client.get(url).status_code for url in urls(pack)]

    assert codes == ([200] * 5 if role in ALLOWED else [403] * 5)


@pytest.mark.parametrize("role", (Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER))
def test_others_cannot_launch_a_pack(client, world, role):
    client.force_login(world.user(role))

    response = client.post(reverse("qualiopi_packs"), {"period_start": "2026-01-01", "period_end": "2026-06-30"})

    assert response.status_code == 403
    assert not EvidencePack.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    pack = done_pack(world)

    for url in urls(pack):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_an_unknown_pack_is_404_and_an_unfinished_pack_has_no_download(client, world):
    pending = EvidencePack.objects.create(period_start=date(2026, 1, 1), period_end=date(2026, 6, 30), created_by=world.coordinator)
    client.force_login(world.admin_staff)

    assert client.get(reverse("qualiopi_pack_detail", args=[pending.pk + 100])).status_code == 404
    assert client.get(reverse("qualiopi_pack_archive", args=[pending.pk + 100])).status_code == 404
    assert client.get(reverse("qualiopi_pack_pdf", args=[pending.pk])).status_code == 404
    assert client.get(reverse("qualiopi_pack_archive", args=[pending.pk])).status_code == 404


def test_downloads_return_the_stored_files(client, world):
    pack = done_pack(world)
    client.force_login(world.admin_staff)

    pdf = client.get(reverse("qualiopi_pack_pdf", args=[pack.pk]))
    archive = client.get(reverse("qualiopi_pack_archive", args=[pack.pk]))

    assert (pdf["Content-Type"], b"".join(pdf.streaming_content)) == ("application/pdf", b"%PDF-1.4 synthese")
    assert archive["Content-Type"] == "application/zip"
    assert 'attachment; filename="preuves' in archive["Content-Disposition"]
    assert zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).namelist() == ["index.csv"]


# --- launching and following a pack ---------------------------------------------------------------------

def test_the_form_proposes_the_last_12_months(client, world):
    client.force_login(world.coordinator)

    page = client.get(reverse("qualiopi_packs")).content.decode()

    assert 'value="2025-11-29"' in page and 'value="2026-11-28"' in page
    assert 'data-testid="freshness-table"' in page


def test_launching_builds_the_pack_in_the_task_and_offers_its_downloads(
    client, world, celery_eager, django_capture_on_commit_callbacks
):
    client.force_login(world.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("qualiopi_packs"), {"period_start": "2026-01-01", "period_end": "2026-11-28"})

    pack = EvidencePack.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("qualiopi_pack_detail", args=[pack.pk])
    assert (pack.status, pack.period_start, pack.period_end, pack.created_by, pack.error) == (
        JobStatus.DONE, date(2026, 1, 1), date(2026, 11, 28), world.coordinator, ""
    )
    assert pack.finished_at is not None
    assert [section["number"] for section in pack.summary["indicators"]] == [12, 13, 26, 28, 30, 32]
    page = client.get(response["Location"]).content.decode()
    assert reverse("qualiopi_pack_pdf", args=[pack.pk]) in page
    assert reverse("qualiopi_pack_archive", args=[pack.pk]) in page
    assert 'hx-trigger="every' not in page
    assert "Indicateur 28 — Réseau de partenaires et accueil en entreprise" in page
    archive = client.get(reverse("qualiopi_pack_archive", args=[pack.pk]))
    names = zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).namelist()
    assert "synthese-qualiopi-20260101-20261128.pdf" in names and "index.csv" in names
    # The world's exchanges (02/11/2026, one per company) are in the CRM extract.
    assert "28-reseau-des-entreprises-partenaires/echanges-entreprises.csv" in names


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2026-06-30", "2026-01-01", "La période se termine avant de commencer"),
    ("2026-01-01", "2026-12-31", "La période ne peut pas finir après aujourd&#x27;hui (28/11/2026)"),
    ("", "2026-06-30", "Indiquez le premier jour de la période auditée."),
    ("2026-01-01", "31/13/2026", "Saisissez une date valide"),
])
def test_an_invalid_period_is_refused_with_how_to_fix_it(client, world, start, end, message):
    client.force_login(world.coordinator)

    response = client.post(reverse("qualiopi_packs"), {"period_start": start, "period_end": end})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EvidencePack.objects.exists()


def test_the_status_partial_polls_while_the_pack_is_being_built(client, world):
    pack = EvidencePack.objects.create(period_start=date(2026, 1, 1), period_end=date(2026, 6, 30), created_by=world.coordinator,
                                       status=JobStatus.RUNNING)
    client.force_login(world.coordinator)

    content = client.get(reverse("qualiopi_pack_status", args=[pack.pk])).content.decode()

    assert f'hx-get="{reverse("qualiopi_pack_status", args=[pack.pk])}"' in content
    assert 'hx-trigger="every 2s"' in content
    assert reverse("qualiopi_pack_archive", args=[pack.pk]) not in content


def test_a_failing_build_marks_the_pack_failed_with_its_message(client, world, celery_eager, django_capture_on_commit_callbacks):
    client.force_login(world.coordinator)
    failing = mock.patch("alternance.qualiopi.packs.collect_evidence", side_effect=RuntimeError("base indisponible"))

    with failing, django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("qualiopi_packs"), {"period_start": "2026-01-01", "period_end": "2026-06-30"})

    pack = EvidencePack.objects.get()
    assert pack.status == JobStatus.FAILED
    assert pack.error.startswith("La production du dossier a échoué : base indisponible.")
    assert not pack.pdf and not pack.archive
    page = client.get(reverse("qualiopi_pack_detail", args=[pack.pk])).content.decode()
    assert "base indisponible" in page


def test_the_task_is_safe_to_rerun_and_ignores_a_pack_gone(world):
    pack = EvidencePack.objects.create(period_start=date(2026, 1, 1), period_end=date(2026, 6, 30), created_by=world.coordinator)
    build_evidence_pack(pack_id=pack.pk)
    pack.refresh_from_db()
    first_archive, finished = pack.archive.name, pack.finished_at

    again = evidence_pack_build(pack=pack, today=TODAY)
    build_evidence_pack(pack_id=pack.pk + 1000)

    assert (again.status, again.archive.name, again.finished_at) == (JobStatus.DONE, first_archive, finished)


def test_history_page_queries_do_not_grow_with_the_packs(client, world, django_assert_max_num_queries):
    client.force_login(world.coordinator)
    done_pack(world)
    with django_assert_max_num_queries(40) as one:
        client.get(reverse("qualiopi_packs"))
    for _ in range(3):
        done_pack(world)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("qualiopi_packs")).content.decode()
    assert page.count(reverse("qualiopi_pack_detail", args=[EvidencePack.objects.first().pk])) >= 1
    assert page.count("/preuves.zip") == 4


# --- the freshness panel (for the coordinator's dashboard) -----------------------------------------------

def test_freshness_panel_lists_the_lacking_indicators_with_a_link_to_the_packs(world):
    freshness = evidence_freshness(today=TODAY)

    html = render_to_string("alternance/qualiopi/includes/freshness_panel.html", {"freshness": freshness})

    lacking = [item for item in freshness if item.lacking]
    assert [item.number for item in lacking] == [13, 26, 30]
    assert html.count('data-testid="qualiopi-lacking"') == 3
    assert "Indicateur 26</strong> — Accueil et accompagnement des publics en situation de handicap" in html
    assert "aucune preuve enregistrée" in html
    assert "Indicateur 12</strong>" not in html
    assert 'href="/qualiopi/"' in html
    assert "3 indicateurs à compléter" in html


def test_freshness_panel_says_when_every_indicator_is_up_to_date():
    freshness = [IndicatorFreshness(number=12, title="Engagement", last_evidence=date(2026, 11, 1), recent_count=4, window_days=90,
                                    lacking=False)]

    html = render_to_string("alternance/qualiopi/includes/freshness_panel.html", {"freshness": freshness})

    assert "Chaque indicateur suivi a des preuves de moins de 90 jours." in html
    assert "qualiopi-lacking" not in html


# --- the kept freshness figures (issue 18 §2) ------------------------------------------------------------

def test_the_page_and_the_dashboard_show_the_same_freshness_kept_for_an_hour(client, world, time_machine):
    from alternance.models import Visit
    from tests.factories.alternance import VisitFactory

    client.force_login(world.coordinator)
    first = client.get(reverse("qualiopi_packs"))
    assert 'data-testid="freshness-computed-at">Chiffres calculés à 10:00, recalculés chaque heure.' in first.content.decode()
    before = {item.number: (item.recent_count, item.last_evidence) for item in first.context["freshness"]}

    # Evidence recorded meanwhile: the kept figures stay those of 10:00, on both pages.
    VisitFactory(apprentice=world.a.apprentice, done_date=TODAY, at_risk=True, risk_comment="Tensions avec le tuteur")
    assert Visit.objects.filter(done_date=TODAY).count() == 1
    time_machine.move_to(datetime(2026, 11, 28, 10, 59, tzinfo=PARIS), tick=False)
    kept = client.get(reverse("qualiopi_packs"))
    dashboard = client.get(reverse("dashboard"))
    assert {item.number: (item.recent_count, item.last_evidence) for item in kept.context["freshness"]} == before
    assert dashboard.context["qualiopi_freshness"] == kept.context["freshness"]
    assert "Chiffres calculés à 10:00" in kept.content.decode()

    # An hour later they are computed again, with the visit.
    time_machine.move_to(datetime(2026, 11, 28, 11, 0, 1, tzinfo=PARIS), tick=False)
    fresh = client.get(reverse("qualiopi_packs"))
    after = {item.number: (item.recent_count, item.last_evidence) for item in fresh.context["freshness"]}
    assert "Chiffres calculés à 11:00" in fresh.content.decode()
    assert after != before and after == {item.number: (item.recent_count, item.last_evidence) for item in evidence_freshness(today=TODAY)}
