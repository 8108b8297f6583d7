"""The extranet cannot be used to read someone else's data (issue 6, security evidence).

Every URL pattern of the project is enumerated by walking ``django.urls.get_resolver()`` (namespaces
and includes followed), so a page added later is covered without touching this file — except that
it must first be classified in ``ROUTES`` below (the first test fails until it is: the next engineer
decides whether the page is public, part of the extranet, or staff only, and what its path
parameters name).

The world has two sides, A and B (a cohort, a company with its maître d'apprentissage's account, an
apprentice with its account and a contract in progress, signature requests, absence proofs,
attendance, a visit waiting for the employer's part, key dates, calendar exceptions, closures, live
ICS feeds), a cohort mate of A's apprentice at a third company (C), and the office's own objects
(imports, exports, evidence packs, API keys). Then, as A's apprentice and as A's employer:

1. every pattern, filled with the ids of B's and C's objects (and unknown / revoked tokens), GET, POST
   and htmx POST: refused (401/403/404/405, or a redirect to the login page or to a page of their
   own), or an answer that holds none of B's or C's identifying strings — HTML, PDF text (pypdf),
   ICS events (icalendar), ZIP members and file bytes all read back; and nothing of B's changed;
2. every pattern that is not an extranet page, filled with their OWN objects' ids: refused;
3. every extranet page with their own objects: 200 with their own data (so that 1 cannot pass by
   everything being broken);
4. the ICS feed is a bearer URL: B's token gives B's calendar, and only B's, logged out or as A;
   a revoked or unknown token gives 404.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from icalendar import Calendar

from alerts.models import Alert
from alternance.api.services import api_token_create
from alternance.attendance import services as absences
from alternance.choices import (
    ApprenticeStatus,
    AttendanceStatus,
    CalendarPlace,
    HalfDay,
    ImportKind,
    JobStatus,
    JustificationStatus,
    KeyDateKind,
    Role,
)
from alternance.models import (
    ApiToken,
    Apprentice,
    AttendanceRecord,
    CalendarFeedToken,
    CalendarOverride,
    ClosurePeriod,
    DataImport,
    EvidencePack,
    KeyDate,
    ListExport,
    PersonalDataExport,
    TdbExport,
    TrainingSession,
    User,
    Visit,
)
from alternance.planning import services as planning_services
from alternance.tutoring.evaluations import employer_criteria_install_standard
from companies.choices import PlacementStatus
from companies.models import Company, Offer, Placement
from contracts.choices import BatchStatus, ContractStatus, DocumentKind, SignatureRequestStatus
from contracts.documents import document_read, document_store
from contracts.models import Contract, Document, DocumentBatch, OpcoFile, SignatureRequest, Signer
from contracts.signatures import signature_request_create, signature_sign
from tests.factories.alternance import (
    ApprenticeFactory,
    AttendanceRecordFactory,
    CandidateFactory,
    CompetenceBlockFactory,
    ProgrammeFactory,
    SiteFactory,
    UserFactory,
    VisitFactory,
)
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory, OpcoInstalmentFactory
from tests.factories.web import PARIS, Side, World, make_world

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)
APPRENTICE, EMPLOYER = Role.APPRENTICE, Role.EMPLOYER
EXTRANET_ROLES = (APPRENTICE, EMPLOYER)
BOTH = EXTRANET_ROLES
# Calendar pages read ``?mois=`` / ``?annee=`` / ``?jour=``: the month of the key dates, exceptions and
# visits below, so that the month shown holds the data that could leak. Other pages ignore them.
QUERY = "?mois=2026-12&annee=2026-2027&jour=2026-12-02"
UNKNOWN_TOKEN = "jeton-inconnu-" + "x" * 30
REFUSED = {401, 403, 404, 405}


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- the URL map ---------------------------------------------------------------------------------------------

PUBLIC, EXTRANET, STAFF = "public", "extranet", "staff"


@dataclass(frozen=True)
class Spec:
    """How a pattern is classified and what its path parameters name.

    ``kind``: PUBLIC (the view opts out of the login with ``@login_not_required``), EXTRANET (a page an
    apprentice or an employer contact may open), STAFF (back office: never for an extranet account).
    ``params``: for each path parameter, the name of the objects it takes (keys of ``Portal.objects``);
    parameters not listed here take the values of ``COMMON_PARAMS``.
    ``opens_for``: for EXTRANET pages, the roles that get 200 with the ids of their own objects.
    ``public_statuses``: for PUBLIC pages, what an extranet account gets (whatever the ids).
    """

    kind: str
    params: dict[str, str] = field(default_factory=dict)
    opens_for: tuple[str, ...] = ()
    public_statuses: frozenset[int] = frozenset()


def public(*statuses: int, **params: str) -> Spec:
    return Spec(PUBLIC, params=params, public_statuses=frozenset(statuses))


def extranet(opens_for: tuple[str, ...], **params: str) -> Spec:
    return Spec(EXTRANET, params=params, opens_for=opens_for)


def staff(**params: str) -> Spec:
    return Spec(STAFF, params=params)


# Every pattern outside the Django admin. A new pattern fails ``test_every_url_pattern_is_classified``
# until it is added here with its class and what its ``pk`` names.
ROUTES: dict[str, Spec] = {
    # --- public: the views carry ``@login_not_required`` (checked against the code by the first test) ---
    "login": public(302),  # a logged-in person is sent to its home page
    "password_reset": public(200, 302),  # the form; posting it queues an email, whoever asks
    "password_reset_done": public(200),
    # Someone else's uid with a wrong token: Django's "invalid link" page, nothing of that account.
    "password_reset_confirm": public(200, uidb64="uidb64", token="reset_token"),
    "password_reset_complete": public(200),
    # Bearer link: an unknown token is 404 (a real one belongs to whoever holds it, like a password).
    "invitation_accept": public(404, token="invitation_token"),
    # Bearer URL of a private calendar (calendar apps don't log in): unknown or revoked → 404; a live
    # token gives its owner's calendar and nothing else (``test_ics_feed_…`` below).
    "calendar_feed": public(200, 404, 405, token="feed_token"),
    "healthz": public(200, 405),  # database and broker status, no data
    # Admissions (issue 13 §1): the programmes open to applications and their application form —
    # nothing of any candidate; a closed programme's page is 404.
    "admissions_apply_index": public(200),
    "admissions_apply": public(200, 404, pk="programme"),
    "admissions_apply_done": public(200, 404, pk="programme"),
    # The read API authenticates with its own keys, never with the session: 401 without a key.
    "api:schema": public(401, 403, 405),
    "api:api-root": public(401, 403, 405),
    "api:apprentice-list": public(401, 403, 405),
    "api:apprentice-detail": public(401, 403, 404, 405, pk="apprentice"),
    "api:company-list": public(401, 403, 405),
    "api:company-detail": public(401, 403, 404, 405, pk="company"),
    "api:contract-list": public(401, 403, 405),
    "api:contract-detail": public(401, 403, 404, 405, pk="contract"),
    "api:absence-list": public(401, 403, 405),
    "api:absence-detail": public(401, 403, 404, 405, pk="record"),
    "api:alert-list": public(401, 403, 405),
    "api:alert-detail": public(401, 403, 404, 405, pk="alert"),
    # --- the extranet: the views carry no marker, this list is the classification ---
    "home": extranet(BOTH),
    "logout": extranet(()),  # POST only (GET is 405): it logs the person out
    "password_change": extranet(BOTH),
    "password_change_done": extranet(BOTH),
    # « Mon compte » (issue 17 §9): everyone's own page; the second factor is the staff's.
    "account": extranet(BOTH),
    "second_factor_enrol": staff(),
    "second_factor_disable": staff(),
    "second_factor_verify": staff(),
    "security_settings": staff(),
    "calendar_mine": extranet(BOTH),
    "calendar_feed_manage": extranet(BOTH),
    "apprentice_calendar": extranet(BOTH, pk="apprentice"),
    "apprentice_calendar_pdf": extranet(BOTH, pk="apprentice"),
    # A cohort calendar opens for whoever sees the cohort (an extranet account: its own apprentice's
    # cohort), with the key dates and visits of that scope only — the cohort mate C is the test.
    "cohort_calendar": extranet(BOTH, pk="cohort"),
    "cohort_calendar_pdf": extranet(BOTH, pk="cohort"),
    "my_absences": extranet((APPRENTICE,)),
    "absence_justify": extranet((APPRENTICE,), pk="record"),
    "attendance_statement_pdf": extranet(BOTH, pk="apprentice"),
    "employer_apprentice": extranet((EMPLOYER,), pk="apprentice"),
    "employer_evaluations": extranet((EMPLOYER,)),
    "employer_evaluation": extranet((EMPLOYER,), pk="visit"),
    # The record pages are shared with the parties (their own record and contract, scoped).
    "apprentice_detail": extranet(BOTH, pk="apprentice"),
    # « Mes coordonnées »: one's own phone and address (no parameter: the account's own rows only).
    "my_details": extranet(BOTH),
    "contracts:contract_detail": extranet(BOTH, pk="contract"),
    "contracts:signatures_to_sign": extranet(BOTH),
    "contracts:signature_sign": extranet(BOTH, pk="signer"),
    "contracts:signature_document": extranet(BOTH, pk="request"),
    "contracts:signature_signed_document": extranet(BOTH, pk="completed_request"),
    "contracts:document_download": extranet(BOTH, pk="document"),
    # --- staff only ---
    "dashboard": staff(),
    "dashboard_cohorts": staff(),
    "dashboard_refresh": staff(),
    "dashboard_loads": staff(),
    "weekly_meeting": staff(),
    "apprentice_list": staff(),
    "apprentice_create": staff(),
    "apprentice_edit": staff(pk="apprentice"),
    "apprentice_leave": staff(pk="apprentice"),
    "apprentice_reopen": staff(pk="apprentice"),
    "apprentice_invite": staff(pk="apprentice"),
    "contact_invite": staff(pk="contact"),
    "tutor_workspace": staff(),
    "visit_plan": staff(pk="apprentice"),
    "attendance_record": staff(pk="apprentice"),
    "visit_detail": staff(pk="visit"),
    "visit_grid": staff(pk="visit"),
    "visit_report": staff(pk="visit"),
    "visit_report_internal": staff(pk="visit"),
    "attendance_register": staff(cohort_pk="cohort"),
    "apprentice_calendar_override": staff(pk="apprentice"),
    "apprentice_calendar_override_delete": staff(pk="apprentice", override_pk="override"),
    "key_date_create": staff(pk="cohort"),
    "key_date_edit": staff(pk="cohort", key_pk="key_date"),
    "key_date_delete": staff(pk="cohort", key_pk="key_date"),
    # Training sessions (issue 19 §1): staff screens of a cohort.
    "sessions:session_list": staff(pk="cohort"),
    "sessions:session_generate": staff(pk="cohort"),
    "sessions:session_create": staff(pk="cohort"),
    "sessions:session_edit": staff(pk="cohort", session_pk="session"),
    "sessions:session_split": staff(pk="cohort", session_pk="session"),
    "sessions:session_cancel": staff(pk="cohort", session_pk="session"),
    "sessions:session_restore": staff(pk="cohort", session_pk="session"),
    # Sign-in (issue 19 §2): the apprentice signs (the code typed, or the QR code's page of its own
    # cohort's session); the sign-in pages of a session are staff's.
    "signin:sign": extranet((APPRENTICE,)),
    "signin:scan": extranet((APPRENTICE,), pk="session", code="signin_code"),
    "signin:today": staff(),
    "signin:session": staff(pk="session"),
    "signin:code": staff(pk="session"),
    "signin:lines": staff(pk="session"),
    "signin:projection": staff(pk="session"),
    "signin:open": staff(pk="session"),
    "signin:mark": staff(pk="session"),
    "signin:strike": staff(pk="session", signature_pk="fixed_one"),
    "signin:close": staff(pk="session"),
    "signin:reopen": staff(pk="session"),
    "signin:sheet": staff(pk="session"),
    "signin:cohort_sheets": staff(pk="cohort"),
    "closure_list": staff(),
    "closure_create": staff(),
    "closure_edit": staff(pk="closure"),
    "closure_delete": staff(pk="closure"),
    "justification_queue": staff(),
    "absence_detail": staff(pk="record"),
    "justification_review": staff(pk="record"),
    "justification_proof": staff(pk="record"),
    "justification_accept_selection": staff(),
    "attendance_settings": staff(),
    "data_import_list": staff(),
    "data_import_upload": staff(),
    "data_import_template": staff(),
    "data_import_detail": staff(pk="data_import"),
    "data_import_mapping": staff(pk="data_import"),
    "data_import_preview": staff(pk="data_import"),
    "data_import_status": staff(pk="data_import"),
    "data_import_run": staff(pk="data_import"),
    "data_import_retry": staff(pk="data_import"),
    "data_import_error_report": staff(pk="data_import"),
    "tdb_export": staff(),
    "tdb_export_detail": staff(pk="tdb_export"),
    "tdb_export_status": staff(pk="tdb_export"),
    "tdb_export_download": staff(pk="tdb_export"),
    "tdb_export_retry": staff(pk="tdb_export"),
    "list_export_detail": staff(pk="list_export"),
    "list_export_status": staff(pk="list_export"),
    "list_export_download": staff(pk="list_export"),
    "list_export_retry": staff(pk="list_export"),
    "qualiopi_packs": staff(),
    "qualiopi_pack_detail": staff(pk="pack"),
    "qualiopi_pack_status": staff(pk="pack"),
    "qualiopi_pack_retry": staff(pk="pack"),
    "qualiopi_pack_pdf": staff(pk="pack"),
    "qualiopi_pack_archive": staff(pk="pack"),
    # GDPR (issue 17 §8): subject access exports and the records to anonymise.
    "privacy_export_apprentice": staff(pk="apprentice"),
    "privacy_export_contact": staff(pk="contact"),
    "privacy_export_detail": staff(pk="personal_export"),
    "privacy_export_status": staff(pk="personal_export"),
    "privacy_export_download": staff(pk="personal_export"),
    "privacy_due": staff(),
    "privacy_anonymise_apprentice": staff(pk="apprentice"),
    "privacy_anonymise_contact": staff(pk="contact"),
    "privacy_anonymise_all": staff(),
    "api:docs": staff(),
    "api:token_list": staff(),
    "api:token_revoke": staff(pk="api_token"),
    "companies:company_list": staff(),
    "companies:company_create": staff(),
    "companies:company_detail": staff(pk="company"),
    "companies:company_edit": staff(pk="company"),
    "companies:company_archive": staff(pk="company"),
    "companies:company_restore": staff(pk="company"),
    "companies:contact_create": staff(pk="company"),
    "companies:contact_edit": staff(pk="contact"),
    "companies:contact_deactivate": staff(pk="contact"),
    "companies:contact_reactivate": staff(pk="contact"),
    "companies:interaction_log": staff(pk="company"),
    "companies:company_sensitive": staff(pk="company"),
    "companies:follow_ups": staff(),
    "companies:follow_up_done": staff(pk="interaction"),
    "companies:portfolio_reassign": staff(),
    "companies:placement_desk": staff(),
    "companies:placement_learner": staff(pk="seeking"),
    "companies:placement_propose": staff(pk="seeking"),
    "companies:placement_move": staff(pk="placement"),
    "companies:offer_list": staff(),
    "companies:offer_create": staff(),
    "companies:offer_edit": staff(pk="offer"),
    "companies:offer_close": staff(pk="offer"),
    "contracts:contract_list": staff(),
    "contracts:contract_create": staff(),
    # The search box (issue 13 §3): employer contacts search their own apprentices and contracts.
    "search:results": extranet((EMPLOYER,)),
    "search:dropdown": extranet((EMPLOYER,)),
    "search:choices": staff(source="search_source"),
    "contracts:contract_edit": staff(pk="contract"),
    "contracts:contract_action": staff(pk="contract"),
    "contracts:opco_board": staff(),
    "contracts:hiring_aid_export": staff(),
    "contracts:opco_file_update": staff(pk="contract"),
    "contracts:opco_schedule_generate": staff(pk="contract"),
    "contracts:opco_employer_participation": staff(pk="contract"),
    "contracts:opco_reminder_log": staff(pk="contract"),
    "contracts:opco_instalment_invoice": staff(pk="instalment"),
    "contracts:opco_instalment_payment": staff(pk="instalment"),
    "contracts:document_generate_cerfa": staff(pk="contract"),
    "contracts:document_generate_convention": staff(pk="contract"),
    "contracts:document_generate_remuneration_schedule": staff(pk="contract"),
    "contracts:document_generate_attendance_certificate": staff(pk="contract"),
    "contracts:document_generate_completion_certificate": staff(pk="contract", instalment_pk="instalment"),
    "contracts:cohort_documents": staff(cohort_pk="cohort"),
    "contracts:batch_detail": staff(pk="batch"),
    "contracts:batch_progress": staff(pk="batch"),
    "contracts:batch_retry": staff(pk="batch"),
    "contracts:batch_download": staff(pk="batch"),
    "contracts:signature_request_create": staff(pk="contract"),
    "contracts:signature_request_cancel": staff(pk="request"),
    "candidate_list": staff(),
    "candidate_create": staff(),
    "programme_admissions": staff(),
    "candidate_detail": staff(pk="candidate"),
    "candidate_update": staff(pk="candidate"),
    # The full history of a record (an apprentice's here): staff only, never the extranet.
    "history:page": staff(kind="history_kind", pk="apprentice"),
    "candidate_position": staff(pk="candidate"),
    "candidate_decide": staff(pk="candidate"),
    "candidate_withdraw": staff(pk="candidate"),
    "candidate_enrol": staff(pk="candidate"),
    "candidate_cv": staff(pk="candidate"),
    "alerts:alert_list": staff(),
    "alerts:alert_bulk": staff(),
    "alerts:inbox": staff(),
    "alerts:run_list": staff(),
    "alerts:rule_settings": staff(),
    "alerts:alert_detail": staff(pk="alert"),
    "alerts:alert_validate": staff(pk="alert"),
    "alerts:alert_assign": staff(pk="alert"),
    "alerts:alert_resolve": staff(pk="alert"),
    "alerts:alert_dismiss": staff(pk="alert"),
    "alerts:alert_comment": staff(pk="alert"),
    # Staff accounts (issue 13): ``pk`` names an account (staff or extranet: the extranet ones are 404 there).
    "staff:staff_list": staff(),
    "staff:staff_create": staff(),
    "staff:staff_detail": staff(pk="user"),
    "staff:staff_edit": staff(pk="user"),
    "staff:staff_deactivate": staff(pk="user"),
    "staff:staff_reactivate": staff(pk="user"),
    "staff:staff_invite": staff(pk="user"),
    "staff:staff_reassign_companies": staff(pk="user"),
    "staff:staff_reassign_alerts": staff(pk="user"),
    "staff:staff_reassign_cohorts": staff(pk="user"),
    # The training catalogue (issue 13 §2): staff only.
    "catalogue:programme_list": staff(),
    "catalogue:programme_create": staff(),
    "catalogue:programme_detail": staff(pk="programme"),
    "catalogue:programme_edit": staff(pk="programme"),
    "catalogue:programme_archive": staff(pk="programme"),
    "catalogue:programme_restore": staff(pk="programme"),
    "catalogue:block_create": staff(pk="programme"),
    "catalogue:block_edit": staff(pk="programme", block_pk="block"),
    "catalogue:block_delete": staff(pk="programme", block_pk="block"),
    "catalogue:site_list": staff(),
    "catalogue:site_create": staff(),
    "catalogue:site_detail": staff(pk="site"),
    "catalogue:site_edit": staff(pk="site"),
    "catalogue:site_archive": staff(pk="site"),
    "catalogue:site_restore": staff(pk="site"),
    "catalogue:cohort_list": staff(),
    "catalogue:cohort_create": staff(),
    "catalogue:cohort_detail": staff(pk="cohort"),
    "catalogue:cohort_edit": staff(pk="cohort"),
    "catalogue:cohort_archive": staff(pk="cohort"),
    "catalogue:cohort_restore": staff(pk="cohort"),
    # Merging duplicates (issue 13 §3): the coordinator only.
    "merges:company_pick": staff(pk="company"),
    "merges:company_preview": staff(pk="company", other="company"),
    "merges:apprentice_pick": staff(pk="apprentice"),
    "merges:apprentice_preview": staff(pk="apprentice", other="apprentice"),
}

# The Django admin (``/admin/…``, namespace ``admin``) is classified as a whole: it is for superusers
# (``is_staff``) only; an extranet account is sent to the admin's login page whatever the URL. Its
# patterns are still enumerated and requested one by one, ``object_id`` being the pk of an object of
# the model in the URL.
ADMIN_PREFIX = "admin/"

# Parameters whose meaning does not depend on the page.
COMMON_PARAMS: dict[str, str] = {
    "override_pk": "override",
    "key_pk": "key_date",
    "cohort_pk": "cohort",
    "instalment_pk": "instalment",
    "kind": "import_kind",
    "to": "placement_step",
    "action": "contract_action",
    # Django admin
    "object_id": "admin_object",
    "id": "admin_object",
    "content_type_id": "content_type",
    "app_label": "app_label",
    "url": "admin_path",
}


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route itself for an unnamed pattern
    route: str
    patterns: tuple  # the pattern objects from the root to the leaf
    callback: Callable
    params: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.route.startswith(ADMIN_PREFIX)

    @property
    def spec(self) -> Spec:
        if self.is_admin:
            return ADMIN_LOGIN_SPEC if self.key == "admin:login" else STAFF_SPEC
        return ROUTES[self.key]


# django-otp's admin adds a page with ``<int:pk>`` (a device's QR code): an admin object id too.
STAFF_SPEC = staff(pk="admin_object")
# The admin's own login form is public like ours; a logged-in non-staff account gets the form again
# with "not authorised" (200) and a post with wrong credentials too.
ADMIN_LOGIN_SPEC = public(200)


def _params(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def all_routes() -> list[Route]:
    """Every URL pattern of the project, includes and namespaces followed."""

    def walk(entries, trail: tuple, namespace: str | None) -> Iterable[Route]:
        for entry in entries:
            if isinstance(entry, URLResolver):
                inner = ":".join(part for part in (namespace, entry.namespace) if part) or None
                yield from walk(entry.url_patterns, (*trail, entry.pattern), inner)
                continue
            patterns = (*trail, entry.pattern)
            route = "".join(str(p) for p in patterns)
            key = (f"{namespace}:{entry.name}" if namespace else entry.name) if entry.name else route
            params = tuple(name for p in patterns for name in _params(p))
            yield Route(key=key, route=route, patterns=patterns, callback=entry.callback, params=params)

    return list(walk(get_resolver().url_patterns, (), None))


def build_url(route: Route, values: dict[str, object]) -> str:
    """The path of ``route`` with ``values`` in its parameters — checked to reach that very pattern."""
    parts = []
    for pattern in route.patterns:
        text = str(pattern)
        if isinstance(pattern, RoutePattern):
            text = re.sub(r"<(?:[^>:]+:)?(\w+)>", lambda m: str(values[m[1]]), text)
        elif isinstance(pattern, RegexPattern):
            text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m[1]]), text).removeprefix("^").removesuffix("$")
        parts.append(text)
    url = "/" + "".join(parts)
    try:
        match = resolve(url)
    except Resolver404:
        raise AssertionError(f"{route.key}: l'adresse construite {url} ne correspond à aucun motif") from None
    assert match.func is route.callback, f"{route.key}: l'adresse construite {url} mène à {match.view_name}"
    return url


# --- the world -----------------------------------------------------------------------------------------------

_PDF_CACHE: dict[str, bytes] = {}


def pdf_with(text: str) -> bytes:
    """A real one-page PDF holding ``text`` (WeasyPrint; cached, rendering takes a moment)."""
    if text not in _PDF_CACHE:
        from weasyprint import HTML

        _PDF_CACHE[text] = HTML(string=f"<html><body><p>{html.escape(text)}</p></body></html>").write_pdf()
    return _PDF_CACHE[text]


@dataclass
class Portal:
    world: World
    cohort_mate: Apprentice
    # Per owner ("a", "b", "c" for the cohort mate, "office"): name → objects, the values of path parameters.
    objects: dict[str, dict[str, list]]
    # Clear ICS tokens: "a_apprentice", "a_employer", "b_apprentice", "b_employer", "b_revoked".
    tokens: dict[str, str]
    # Identifying strings per owner: what must never reach another side.
    strings: dict[str, list[str]]
    # Stored file contents per owner (documents, proofs, signed PDFs, archives).
    files: dict[str, list[bytes]]

    def user(self, side: str, role: str) -> User:
        s = self.side(side)
        return s.apprentice_user if role == APPRENTICE else s.employer_user

    def side(self, side: str) -> Side:
        return self.world.a if side == "a" else self.world.b


def _rename(user: User, first: str, last: str) -> None:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])


def _document(contract, *, title: str, text: str, kind=DocumentKind.CONVENTION, apprentice=None, company=None) -> Document:
    return document_store(
        content=pdf_with(text), filename="document.pdf", kind=kind, title=title, contract=contract,
        apprentice=apprentice, company=company, generated=contract is not None,
    )


def _proof(record: AttendanceRecord, *, text: str) -> Document:
    """The apprentice justifies ``record`` (the real service): a proof waiting for review."""
    file = SimpleUploadedFile("justificatif.pdf", pdf_with(text), content_type="application/pdf")
    absences.justification_submit(record=record, by=record.apprentice.user, file=file, reason=record.reason, today=NOW.date())
    record.refresh_from_db()
    assert record.justification == JustificationStatus.PENDING
    return record.proof


def _extend_side(world: World, side: Side, *, tag: str) -> tuple[dict[str, list], list[str]]:
    """Everything a side needs beyond ``make_world``; returns its objects and identifying strings."""
    _rename(side.tutor, "Tuteur", tag)
    _rename(side.cre, "Cre", tag)
    _rename(side.apprentice_user, side.apprentice.first_name, side.apprentice.last_name)
    _rename(side.employer_user, side.employer_contact.first_name, side.employer_contact.last_name)
    side.apprentice.alerts.update(title=f"Alerte {tag}")
    side.company.interactions.update(summary=f"Relance {side.company.name}")
    contract = side.contract
    apprentice = side.apprentice

    # Attendance: the make_world absence of 16/11 stays unjustified; one more, justified with a proof
    # waiting for review; one presence.
    unjustified = AttendanceRecord.objects.get(apprentice=apprentice, day=date(2026, 11, 16))
    pending = AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 11, 26), half=HalfDay.AFTERNOON,
                                      status=AttendanceStatus.ABSENT, reason=f"Motif {tag}")
    proof = _proof(pending, text=f"Certificat médical {apprentice.full_name} {tag}")
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 11, 23), status=AttendanceStatus.PRESENT)

    # Documents of the contract: one waiting for the three signatures, one signed by all (with its
    # signed PDF), and a document of the company alone (no contract, no apprentice).
    to_sign = _document(contract, title=f"Convention {side.company.name}", text=f"Convention {side.company.name} {apprentice.full_name}")
    pending_request = signature_request_create(document=to_sign, by=world.coordinator)
    signed_original = _document(contract, kind=DocumentKind.CERFA, title=f"Cerfa {side.company.name}",
                                text=f"Cerfa {side.company.name} {apprentice.full_name}")
    completed = signature_request_create(document=signed_original, by=world.coordinator)
    for signer in completed.signers.select_related("user").order_by("pk"):
        signature_sign(signer=signer, by=signer.user, ip_address="203.0.113.9", user_agent="pytest", confirmed=True)
    completed.refresh_from_db()
    assert completed.status == SignatureRequestStatus.COMPLETED
    company_document = _document(None, kind=DocumentKind.EVALUATION, title=f"Grille entreprise {side.company.name}",
                                 text=f"Grille entreprise {side.company.name}", company=side.company)

    # Calendars: a cohort key date, a personal one, an exception, a closure of the cohort.
    cohort_date = KeyDate.objects.create(cohort=side.cohort, kind=KeyDateKind.EXAM, label=f"Jury {tag}",
                                         day=date(2026, 12, 9), start_time=time(9, 0), end_time=time(12, 0),
                                         location=f"Salle {tag}")
    personal_date = KeyDate.objects.create(cohort=side.cohort, apprentice=apprentice, kind=KeyDateKind.MEETING,
                                           label=f"Entretien {apprentice.first_name} {tag}", day=date(2026, 12, 15))
    override = CalendarOverride.objects.create(apprentice=apprentice, day=date(2026, 12, 2), place=CalendarPlace.CENTRE,
                                               reason=f"Rattrapage {tag}", created_by=side.tutor)
    closure = ClosurePeriod.objects.create(label=f"Séminaire {tag}", start_date=date(2026, 12, 21),
                                           end_date=date(2026, 12, 22), cohort=side.cohort)
    session = TrainingSession.objects.create(cohort=side.cohort, day=date(2026, 12, 8), start_time=time(9, 0), end_time=time(12, 30),
                                             trainer=side.tutor, subject=f"Cours {tag}", room=f"Salle de cours {tag}")

    visit = Visit.objects.get(apprentice=apprentice)  # make_world's, planned 10/12, employer part to fill
    offer = Offer.objects.create(company=side.company, programme=side.cohort.programme, start_date=date(2027, 1, 4),
                                 end_date=date(2028, 8, 31), description=f"Poste {tag}", created_by=side.cre)
    placement = Placement.objects.create(apprentice=side.seeking, company=side.company, offer=offer,
                                         proposed_on=date(2026, 11, 2), notes=f"Notes {tag}", created_by=side.cre)
    instalment = OpcoInstalmentFactory(opco_file=OpcoFile.objects.get(contract=contract))
    batch = DocumentBatch.objects.create(
        cohort=side.cohort, kind=DocumentKind.CONVENTION, status=BatchStatus.DONE, total=1, done=1,
        requested_by=world.coordinator, archive=ContentFile(_zip({"convention.pdf": document_read(to_sign)}), name="lot.zip"),
    )
    api_token, _clear = api_token_create(user=side.tutor, label=f"Clé {tag}")

    objects = {
        "apprentice": [apprentice],
        "seeking": [side.seeking],
        "cohort": [side.cohort],
        "company": [side.company],
        "contact": [side.employer_contact],
        "contract": [contract],
        "visit": [visit],
        "record": [pending, unjustified],
        "document": [to_sign, signed_original, completed.signed_document, proof, company_document],
        "signer": list(pending_request.signers.order_by("pk")),
        "request": [pending_request, completed],
        "completed_request": [completed],
        "key_date": [cohort_date, personal_date],
        "override": [override],
        "closure": [closure],
        "session": [session],
        "alert": list(apprentice.alerts.all()),
        "interaction": list(side.company.interactions.all()),
        "offer": [offer],
        "placement": [placement],
        "instalment": [instalment],
        "batch": [batch],
        "api_token": [api_token],
        "user": [side.apprentice_user, side.employer_user, side.tutor, side.cre],
    }
    strings = [
        apprentice.full_name, f"{apprentice.last_name} {apprentice.first_name}", apprentice.email, side.apprentice_user.email,
        side.seeking.full_name, side.company.name, side.company.siret, side.employer_contact.full_name,
        side.employer_user.email, side.tutor.get_full_name(), side.tutor.email, side.cre.get_full_name(), side.cre.email,
        side.cohort.name, cohort_date.label, cohort_date.location, personal_date.label, override.reason, closure.label,
        session.subject, session.room, pending.reason, to_sign.title, signed_original.title, company_document.title, proof.title, f"Alerte {tag}",
        f"Relance {side.company.name}", offer.description, placement.notes, f"Clé {tag}", f"Certificat médical {apprentice.full_name}",
    ]
    return objects, strings


def _cohort_mate(world: World) -> tuple[Apprentice, dict[str, list], list[str]]:
    """C: another apprentice of A's cohort, at a third company, with its own key date, exception,
    proof, visit and documents — in A's cohort, never in A's pages."""
    a = world.a
    company = CompanyFactory(name="Fromagerie Gamma", owner_cre=a.cre)
    user = UserFactory(email="apprenti-c@example.test", role=Role.APPRENTICE, first_name="Céline", last_name="Voisin")
    mate = ApprenticeFactory(first_name="Céline", last_name="Voisin", cohort=a.cohort, user=user, status=ApprenticeStatus.UNDER_CONTRACT)
    employer = UserFactory(email="employeur-c@example.test", role=Role.EMPLOYER, first_name="Maître", last_name="TuteurC")
    contact = CompanyContactFactory(company=company, user=employer, first_name="Maître", last_name="TuteurC")
    contract = ContractFactory(apprentice=mate, company=company, master=contact, status=ContractStatus.IN_PROGRESS)
    visit = VisitFactory(apprentice=mate, contract=contract, planned_date=date(2026, 12, 11))
    record = AttendanceRecordFactory(apprentice=mate, day=date(2026, 11, 26), half=HalfDay.AFTERNOON,
                                     status=AttendanceStatus.ABSENT, reason="Motif Gamma")
    proof = _proof(record, text="Certificat médical Céline Voisin Gamma")
    document = _document(contract, title="Convention Fromagerie Gamma", text="Convention Fromagerie Gamma Céline Voisin")
    key_date = KeyDate.objects.create(cohort=a.cohort, apprentice=mate, kind=KeyDateKind.MEETING, label="Oral Céline Gamma",
                                      day=date(2026, 12, 16))
    override = CalendarOverride.objects.create(apprentice=mate, day=date(2026, 12, 3), place=CalendarPlace.OFF,
                                               reason="Rattrapage Gamma", created_by=a.tutor)
    objects = {
        "apprentice": [mate], "company": [company], "contact": [contact], "contract": [contract], "visit": [visit],
        "record": [record], "document": [document, proof], "key_date": [key_date], "override": [override],
        "user": [user, employer],
    }
    strings = [mate.full_name, "Voisin Céline", "apprenti-c@example.test", "employeur-c@example.test", company.name,
               company.siret, contact.full_name, record.reason, document.title, proof.title, key_date.label, override.reason,
               "Certificat médical Céline Voisin"]
    return mate, objects, strings


def _own_side_private(world: World, a_objects: dict[str, list]) -> dict[str, tuple[list[str], list[bytes]]]:
    """What A's apprentice and A's employer must not see of each other although it is "their" side:
    the apprentice's absence proofs and reasons (often medical) and its half-days outside the
    employer's contract are not the employer's; the company's own documents are not the apprentice's."""
    apprentice = world.a.apprentice
    before_contract = AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 6, 15), status=AttendanceStatus.ABSENT,
                                              reason="Motif antérieur Alpha")
    a_objects["record"].append(before_contract)
    proofs = [doc for doc in a_objects["document"] if doc.kind == DocumentKind.ABSENCE_PROOF]
    pending = a_objects["record"][0]
    company_documents = [doc for doc in a_objects["document"] if doc.company_id is not None]
    return {
        # Private to the apprentice: hidden from its employer.
        "a_private_employer": (
            [*(doc.title for doc in proofs), f"Certificat médical {apprentice.full_name}", pending.reason,
             before_contract.reason, "15/06/2026", "15 juin 2026"],
            [document_read(doc) for doc in proofs],
        ),
        # Private to the company: hidden from the apprentice.
        "a_private_apprentice": ([doc.title for doc in company_documents], [document_read(doc) for doc in company_documents]),
    }


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _office(world: World) -> tuple[dict[str, list], list[str]]:
    """The office's own jobs: an import, a State dashboard export, an evidence pack."""
    data_import = DataImport.objects.create(
        kind=ImportKind.APPRENTICES, file=ContentFile(b"nom;prenom\nSecret;Import\n", name="import.csv"),
        original_name="import-confidentiel-office.csv", created_by=world.coordinator, status=JobStatus.DONE,
    )
    tdb = TdbExport.objects.create(school_year="2026-2027", format=TdbExport.Format.JSON, status=JobStatus.DONE,
                                   file=ContentFile(b'{"secret": "Export office"}', name="tdb.json"), created_by=world.coordinator)
    pack = EvidencePack.objects.create(period_start=date(2026, 9, 1), period_end=date(2026, 11, 30), status=JobStatus.DONE,
                                       pdf=ContentFile(pdf_with("Synthèse Qualiopi office"), name="synthese.pdf"),
                                       archive=ContentFile(_zip({"preuve.txt": b"Preuve office"}), name="preuves.zip"),
                                       created_by=world.coordinator)
    # Admissions: an open programme and a candidate to it, with a CV (no side owns them).
    programme = ProgrammeFactory(title="Formation ouverte aux candidatures", admissions_open=True)
    closed = ProgrammeFactory(title="Formation fermée aux candidatures", admissions_open=False)
    candidate = CandidateFactory(programme=programme, last_name="Candidatsecret", first_name="Office",
                                 email="candidat.secret@example.test", cv=ContentFile(pdf_with("CV Candidatsecret"), name="cv.pdf"),
                                 cv_sha256="a" * 64)
    # The catalogue: a training site and a competence block of the open programme.
    site = SiteFactory(name="Campus confidentiel")
    block = CompetenceBlockFactory(programme=programme, code=f"{programme.rncp_code}BC01")
    personal_export = PersonalDataExport.objects.create(
        apprentice=world.a.apprentice, created_by=world.coordinator, status=JobStatus.DONE,
        archive=ContentFile(_zip({"donnees.json": b'{"secret": "Export RGPD office"}'}), name="donnees.zip"),
    )
    list_export = ListExport.objects.create(title="apprenti-es", view="alternance.apprentices.views.ApprenticeListView",
                                            format=ListExport.Format.CSV, status=JobStatus.DONE, rows_total=1, rows_written=1,
                                            file=ContentFile("Nom;Prénom\nExportsecret;Office\n".encode(), name="apprenti-es.csv"),
                                            created_by=world.coordinator)
    objects = {"data_import": [data_import], "tdb_export": [tdb], "pack": [pack], "personal_export": [personal_export],
               "list_export": [list_export],
               "programme": [programme, closed],
               "candidate": [candidate], "site": [site], "block": [block]}
    return objects, ["import-confidentiel-office.csv", "Candidatsecret", "candidat.secret@example.test", "Exportsecret"]


def _stored_files(objects: dict[str, list]) -> list[bytes]:
    files = [document_read(doc) for doc in objects.get("document", [])]
    for batch in objects.get("batch", []):
        with batch.archive.open("rb") as handle:
            files.append(handle.read())
    return files


def make_portal() -> Portal:
    world = make_world()
    employer_criteria_install_standard()
    a_objects, a_strings = _extend_side(world, world.a, tag="Alpha")
    private = _own_side_private(world, a_objects)
    b_objects, b_strings = _extend_side(world, world.b, tag="Bêta")
    mate, c_objects, c_strings = _cohort_mate(world)
    office_objects, office_strings = _office(world)
    a, b = world.a, world.b

    def feed(user: User) -> str:
        return planning_services.calendar_feed_create(user=user).token

    tokens = {"a_apprentice": feed(a.apprentice_user), "a_employer": feed(a.employer_user), "b_revoked": feed(b.apprentice_user)}
    # B's apprentice made a new feed since: its first URL is revoked.
    tokens.update(b_apprentice=feed(b.apprentice_user), b_employer=feed(b.employer_user))
    return Portal(
        world=world, cohort_mate=mate,
        objects={"a": a_objects, "b": b_objects, "c": c_objects, "office": office_objects},
        tokens=tokens,
        strings={"a": a_strings, "b": b_strings, "c": c_strings, "office": office_strings,
                 **{name: strings for name, (strings, _files) in private.items()}},
        files={"a": _stored_files(a_objects), "b": _stored_files(b_objects), "c": _stored_files(c_objects), "office": [],
               **{name: files for name, (_strings, files) in private.items()}},
    )


@pytest.fixture
def portal() -> Portal:
    return make_portal()


# --- filling the parameters ----------------------------------------------------------------------------------

def _admin_model(route: Route) -> type[models.Model] | None:
    match = re.match(r"admin/(\w+)/(\w+)/", route.route)
    if not match:
        return None
    from django.apps import apps

    try:
        return apps.get_model(match[1], match[2])
    except LookupError:
        return None


def _objects_of(portal: Portal, owners: Iterable[str], model: type[models.Model]) -> list:
    found = []
    for owner in owners:
        for rows in portal.objects[owner].values():
            found += [row for row in rows if isinstance(row, model) and row not in found]
    return found


def param_values(portal: Portal, route: Route, param: str, *, owners: tuple[str, ...], user: User) -> list[object]:
    """The values to try for one path parameter: the pks of the owners' objects it names, or fixed values."""
    name = route.spec.params.get(param) or COMMON_PARAMS.get(param)
    if param in ("year", "month"):
        raise AssertionError("year/month are filled together")
    if name is None:
        raise AssertionError(f"{route.key}: le paramètre « {param} » n'est associé à aucun objet — complétez ROUTES")
    if name == "admin_object":
        model = _admin_model(route)
        rows = _objects_of(portal, owners, model) if model else []
        if not rows and model is not None:
            rows = list(model._default_manager.order_by("pk")[:1])
        return [rows[0].pk] if rows else [1]
    if name == "content_type":
        return [ContentType.objects.get_for_model(Apprentice).pk]
    if name == "app_label":
        return ["alternance"]
    if name == "admin_path":
        return ["page-inconnue/"]
    if name == "import_kind":
        return [ImportKind.APPRENTICES.value]
    if name == "history_kind":
        return ["apprenti"]
    if name == "search_source":
        return ["apprentis"]
    if name == "signin_code":
        return ["123456"]
    if name == "fixed_one":
        return [1]
    if name == "placement_step":
        return [PlacementStatus.INTERVIEW.value]
    if name == "contract_action":
        return ["end"]
    if name == "uidb64":
        users = [row for owner in owners for row in portal.objects[owner].get("user", [])] or [user]
        return [urlsafe_base64_encode(force_bytes(row.pk)) for row in users]
    if name == "reset_token":
        return ["jeton-invalide"]
    if name == "invitation_token":
        return [UNKNOWN_TOKEN]
    if name == "feed_token":
        if owners == ("a",):  # own calendar
            return [portal.tokens["a_apprentice" if user.role == APPRENTICE else "a_employer"]]
        return [UNKNOWN_TOKEN, portal.tokens["b_revoked"], portal.tokens["b_apprentice"], portal.tokens["b_employer"]]
    rows = [row for owner in owners for row in portal.objects[owner].get(name, [])]
    if not rows:  # the office's jobs belong to no side: the same ones for everybody
        rows = list(portal.objects["office"].get(name, []))
    if name == "signer" and owners == ("a",):
        rows = [row for row in rows if row.user_id == user.pk]  # one's own signature line
    if name == "document" and owners == ("a",):
        # One's own documents: the apprentice's proofs are not its employer's, the company's own
        # documents are not the apprentice's (both refusals: the last tests of part 3).
        if user.role == EMPLOYER:
            rows = [row for row in rows if row.kind != DocumentKind.ABSENCE_PROOF]
        else:
            rows = [row for row in rows if row.company_id is None]
    assert rows, f"{route.key}: aucun objet « {name} » pour {owners}"
    return [row.pk for row in rows]


def months_of(portal: Portal, owners: tuple[str, ...]) -> list[tuple[int, int]]:
    records = [row for owner in owners for row in portal.objects[owner].get("record", [])]
    return sorted({(row.day.year, row.day.month) for row in records})


def urls_for(portal: Portal, route: Route, *, owners: tuple[str, ...], user: User, own_parents: bool = False) -> list[str]:
    """Every URL of ``route`` with the owners' objects in its parameters (all combinations). With
    ``own_parents``, a page with several parameters is also tried with one's own object in the first
    one and someone else's in the others (another cohort's key date under one's own cohort…)."""
    params = [p for p in route.params if p not in ("year", "month")]
    choices = []
    for index, param in enumerate(params):
        values = param_values(portal, route, param, owners=owners, user=user)
        if own_parents and index == 0 and len(params) > 1:
            values = param_values(portal, route, param, owners=("a",), user=user) + values
        choices.append(values)
    months = months_of(portal, owners) if "year" in route.params else [None]
    urls = []
    for combination in itertools.product(*choices):
        for month in months:
            values = dict(zip(params, combination, strict=True))
            if month is not None:
                values["year"], values["month"] = month
            url = build_url(route, values)
            if url not in urls:
                urls.append(url)
    return urls


# --- reading answers -------------------------------------------------------------------------------------------


def response_bytes(response) -> bytes:
    """The body, streamed files included (read once, kept on the response for the next checks)."""
    if not hasattr(response, "_read_body"):
        streaming = getattr(response, "streaming", False)
        response._read_body = b"".join(response.streaming_content) if streaming else response.content
    return response._read_body


def readable_text(content_type: str, body: bytes) -> str:
    """What a person would read in the answer: page text, PDF text, ICS events, ZIP members."""
    content_type = (content_type or "").split(";")[0].strip()
    if content_type == "application/pdf" or body.startswith(b"%PDF-"):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(body))
        text = " ".join(page.extract_text() or "" for page in reader.pages)
        metadata = reader.metadata or {}
        return text + " " + " ".join(str(value) for value in metadata.values())
    if content_type == "text/calendar":
        calendar = Calendar.from_ical(body)
        return " ".join(str(value) for component in calendar.walk() for _name, value in component.property_items())
    if content_type in ("application/zip", "application/x-zip-compressed") or body.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return " ".join(name + " " + readable_text("", archive.read(name)) for name in archive.namelist())
    return html.unescape(body.decode("utf-8", errors="replace"))


def normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def leaks_in(response, portal: Portal, owners: Iterable[str]) -> list[str]:
    """The owners' identifying strings or stored files found in the answer."""
    body = response_bytes(response)
    text = normalise(readable_text(response.get("Content-Type", ""), body))
    found = [s for owner in owners for s in portal.strings[owner] if normalise(s) in text]
    found += [f"<fichier {hashlib.sha256(f).hexdigest()[:12]}>" for owner in owners for f in portal.files[owner] if f in body]
    return found


def post_body() -> dict:
    """A plausible form for any page: the fields of the workflow forms, a proof file, passwords."""
    return {
        "action": "create", "decision": "accept", "confirm": "on", "comment": "Essai", "reason": "Essai d'accès",
        "day": "2026-12-02", "place": "E", "label": "Essai", "kind": KeyDateKind.EXAM, "start_date": "2026-12-01",
        "end_date": "2026-12-02", "next": "/", "old_password": "pas-le-bon", "new_password1": "Nouveau-mot-2026!",
        "new_password2": "Nouveau-mot-2026!", "score_employer_behaviour": "4", "score_employer_skills": "4",
        "score_employer_attendance": "4",
        "proof": SimpleUploadedFile("justificatif.pdf", pdf_with("Justificatif d'essai"), content_type="application/pdf"),
    }


def request(client: Client, user: User, method: str, url: str):
    # Each request starts logged in as ``user`` (one of them is the logout button).
    client.force_login(user)
    if method == "GET":
        return client.get(url + QUERY)
    if method == "POST":
        return client.post(url, post_body())
    return client.post(url, post_body(), headers={"HX-Request": "true"})


def redirect_target(location: str) -> tuple[str | None, str]:
    """(key of the pattern the redirect goes to, its path) — None outside this site."""
    path = location.split("?")[0]
    if "://" in path:
        return None, path
    try:
        match = resolve(path)
    except Resolver404:
        return None, path
    return match.view_name, path


ALLOWED_REDIRECTS = {"login", "admin:login"}


def is_refusal(client: Client, user: User, response) -> bool:
    """401/403/404/405, or a redirect to a login page (through the admin's index for the admin)."""
    if response.status_code in REFUSED:
        return True
    if response.status_code != 302:
        return False
    target, path = redirect_target(response["Location"])
    if target in ALLOWED_REDIRECTS:
        return True
    if target and target.startswith("admin:"):
        # Inside the admin (its logout sends to its index): the next hop must be the admin's login.
        client.force_login(user)
        followed = client.get(path)
        return followed.status_code == 302 and redirect_target(followed["Location"])[0] == "admin:login"
    return False


def check_answer(client: Client, user: User, response, portal: Portal, foreign: tuple[str, ...]) -> str | None:
    """None when the answer is a refusal, a redirect to an allowed page, or holds no foreign data."""
    leaks = leaks_in(response, portal, foreign)
    if leaks:
        return f"{response.status_code} avec les données d'autrui : {leaks}"
    if response.status_code == 200 or is_refusal(client, user, response):
        return None
    if response.status_code == 302:
        target, path = redirect_target(response["Location"])
        if target not in ROUTES or ROUTES[target].kind != EXTRANET:
            return f"302 vers une page qui n'est pas de l'extranet : {response['Location']}"
        client.force_login(user)
        followed = client.get(path)
        followed_leaks = leaks_in(followed, portal, foreign)
        if followed_leaks or followed.status_code not in {200, *REFUSED}:
            return f"302 vers {path} qui répond {followed.status_code} {followed_leaks}"
        return None
    return f"statut inattendu {response.status_code}"


# --- 0. the map is complete ------------------------------------------------------------------------------------


def test_every_url_pattern_is_classified():
    routes = all_routes()
    keys = {route.key for route in routes if not route.is_admin}

    unclassified = sorted(keys - set(ROUTES))
    stale = sorted(set(ROUTES) - keys)

    assert not unclassified, f"Motifs d'URL à classer dans ROUTES (public, extranet ou staff, et leurs paramètres) : {unclassified}"
    assert not stale, f"Entrées de ROUTES sans motif d'URL : {stale}"
    # PUBLIC is exactly what the code exempts from the login (``@login_not_required``), admin login aside.
    exempt = {route.key for route in routes if getattr(route.callback, "login_required", True) is False and not route.is_admin}
    assert exempt == {key for key, spec in ROUTES.items() if spec.kind == PUBLIC}
    # Every path parameter names something.
    for route in routes:
        for param in route.params:
            assert param in ("year", "month") or param in route.spec.params or param in COMMON_PARAMS, (route.key, param)
    # The walk goes through includes, namespaces and regex patterns (the API router, the admin).
    every_key = {route.key for route in routes}
    assert {"contracts:signature_sign", "companies:placement_move", "api:apprentice-detail", "admin:index",
            "admin:contracts_document_change"} <= every_key


def test_urls_built_by_the_enumeration_reach_their_own_pattern(portal):
    """Guard of the enumeration itself: every pattern yields at least one URL, resolved back to it."""
    user = portal.world.a.employer_user
    for route in all_routes():
        assert urls_for(portal, route, owners=("b",), user=user), route.key


# --- 1. someone else's ids: never someone else's data ---------------------------------------------------------


@pytest.mark.parametrize("role", EXTRANET_ROLES)
def test_extranet_accounts_never_get_another_sides_data_whatever_the_url(client, portal, role):
    user = portal.user("a", role)
    foreign = ("b", "c", "office", f"a_private_{role}")
    before = snapshot(portal)
    problems, probes = [], 0

    for route in all_routes():
        methods = ("GET", "POST") if route.is_admin else ("GET", "POST", "HTMX")
        for url in urls_for(portal, route, owners=("b", "c", "office"), user=user, own_parents=True):
            for method in methods:
                probes += 1
                try:
                    response = request(client, user, method, url)
                except Exception as error:  # noqa: BLE001 — a crash is reported with the others
                    problems.append(f"{route.key} {method} {url} : exception {error!r}")
                    continue
                if route.key == "calendar_feed" and method == "GET" and _live_foreign_token(portal, url):
                    problem = check_bearer_feed(response, url, portal)
                else:
                    problem = check_answer(client, user, response, portal, foreign)
                if problem:
                    problems.append(f"{route.key} {method} {url} : {problem}")

    assert not problems, f"{len(problems)} fuite(s) ou erreur(s) sur {probes} requêtes :\n" + "\n".join(problems)
    assert probes > 1000
    # Nothing of B's or C's changed on the way (no signature, no decision, no deletion, no new feed…).
    assert snapshot(portal) == before


def _live_foreign_token(portal: Portal, url: str) -> bool:
    return any(portal.tokens[name] in url for name in ("b_apprentice", "b_employer"))


def check_bearer_feed(response, url: str, portal: Portal) -> str | None:
    """A live token of B used by A's session: exactly what B's calendar app gets, nothing of A's."""
    anonymous = Client().get(url)
    if response.status_code != 200 or anonymous.status_code != 200:
        return f"flux de B : {response.status_code} connecté, {anonymous.status_code} anonyme"
    if response.content != anonymous.content:
        return "le flux d'un jeton dépend de la session"
    leaks = leaks_in(response, portal, ("a", "c", "office"))
    return f"le flux de B contient {leaks}" if leaks else None


def snapshot(portal: Portal) -> dict:
    """The state of B's and C's rows that a request could change."""
    b, c = portal.objects["b"], portal.objects["c"]
    owners_records = b["record"] + c["record"]
    return {
        "records": sorted(AttendanceRecord.objects.filter(pk__in=[r.pk for r in owners_records]).values_list(
            "pk", "status", "justification", "reason", "proof_id", "justification_reviewed_by_id", "review_comment")),
        "signers": sorted(Signer.objects.filter(request__in=[r.pk for r in b["request"]]).values_list("pk", "signed_at", "ip_address")),
        "requests": sorted(SignatureRequest.objects.filter(pk__in=[r.pk for r in b["request"]]).values_list("pk", "status")),
        "visits": sorted(Visit.objects.filter(pk__in=[v.pk for v in b["visit"] + c["visit"]]).values_list(
            "pk", "employer_submitted_at", "employer_comment", "done_date", "grid_answers")),
        "key_dates": sorted(KeyDate.objects.filter(cohort__in=[portal.world.b.cohort, portal.world.a.cohort])
                            .values_list("pk", "label", "day", "apprentice_id")),
        "overrides": sorted(CalendarOverride.objects.exclude(apprentice__user=portal.world.a.apprentice_user)
                            .values_list("pk", "day", "place", "reason")),
        "closures": sorted(ClosurePeriod.objects.values_list("pk", "label", "start_date", "end_date")),
        "feeds": sorted(CalendarFeedToken.objects.filter(user__in=[portal.world.b.apprentice_user, portal.world.b.employer_user])
                        .values_list("pk", "revoked_at")),
        "contracts": sorted(Contract.objects.exclude(apprentice=portal.world.a.apprentice).values_list("pk", "status")),
        "documents": sorted(Document.objects.exclude(apprentice=portal.world.a.apprentice).values_list("pk", "sha256")),
        "users": sorted(User.objects.exclude(pk__in=[portal.world.a.apprentice_user.pk, portal.world.a.employer_user.pk])
                        .values_list("pk", "password", "is_active")),
        "placements": sorted(Placement.objects.values_list("pk", "status")),
        "offers": sorted(Offer.objects.values_list("pk", "status")),
        "companies": sorted(Company.objects.values_list("pk", "sensitive", "owner_cre_id")),
        "api_tokens": sorted(ApiToken.objects.values_list("pk", "revoked_at")),
        "alerts": sorted(Alert.objects.values_list("pk", "status", "assignee_id")),
    }


# --- 2. no staff page, even with one's own ids -----------------------------------------------------------------


@pytest.mark.parametrize("role", EXTRANET_ROLES)
def test_no_staff_page_opens_for_an_extranet_account_even_with_its_own_ids(client, portal, role):
    user = portal.user("a", role)
    problems, probes = [], 0

    for route in all_routes():
        if route.spec.kind != STAFF:
            continue
        for url in urls_for(portal, route, owners=("a",), user=user):
            for method in ("GET", "POST"):
                probes += 1
                response = request(client, user, method, url)
                if not is_refusal(client, user, response):
                    problems.append(f"{route.key} {method} {url} : {response.status_code} {response.get('Location', '')}")

    assert not problems, f"Pages du personnel ouvertes à un compte extranet ({role}) :\n" + "\n".join(problems)
    assert probes > 600


@pytest.mark.parametrize("role", EXTRANET_ROLES)
def test_public_pages_give_an_extranet_account_what_they_give_anyone(client, portal, role):
    """The login-exempt pages answer an extranet account as classified, with nothing of another side."""
    user = portal.user("a", role)
    problems = []
    for route in all_routes():
        if route.is_admin or route.spec.kind != PUBLIC:
            continue
        for url in urls_for(portal, route, owners=("a",), user=user):
            response = request(client, user, "GET", url)
            if response.status_code not in route.spec.public_statuses:
                problems.append(f"{route.key} {url} : {response.status_code}")
            leaks = leaks_in(response, portal, ("b", "c", "office", f"a_private_{role}"))
            if leaks:
                problems.append(f"{route.key} {url} : {leaks}")
    assert not problems, "\n".join(problems)


# --- 3. the extranet pages work with one's own data ------------------------------------------------------------


@pytest.mark.parametrize("role", EXTRANET_ROLES)
def test_extranet_pages_open_with_their_own_data_and_refuse_the_other_role(client, portal, role):
    user = portal.user("a", role)
    problems, opened = [], set()

    for route in all_routes():
        if route.is_admin or route.spec.kind != EXTRANET:
            continue
        for url in urls_for(portal, route, owners=("a",), user=user):
            response = request(client, user, "GET", url)
            status = response.status_code
            if role not in route.spec.opens_for:
                if status not in REFUSED:
                    problems.append(f"{route.key} {url} : {status} au lieu d'un refus pour {role}")
                continue
            if status != 200:
                problems.append(f"{route.key} {url} : {status} au lieu de 200")
                continue
            opened.add(route.key)
            if route.params and not leaks_in(response, portal, ("a",)):
                problems.append(f"{route.key} {url} : 200 sans aucune donnée de A")
            leaks = leaks_in(response, portal, ("b", "c", "office", f"a_private_{role}"))
            if leaks:
                problems.append(f"{route.key} {url} : données d'autrui {leaks}")

    assert not problems, "\n".join(problems)
    expected = {key for key, spec in ROUTES.items() if spec.kind == EXTRANET and role in spec.opens_for}
    assert opened == expected


def test_a_deactivated_employer_contact_no_longer_opens_anything_of_its_former_apprentice(client, portal):
    """The contact left the company (``CompanyContact.active`` off): every extranet page, with the ids
    it used to open, refuses or shows nothing of the apprentice, its contract or its company."""
    a = portal.world.a
    a.employer_contact.active = False
    a.employer_contact.save(update_fields=["active"])
    own_identity = {a.employer_contact.full_name, a.employer_user.email}
    portal.strings["a_former"] = [s for s in portal.strings["a"] if s not in own_identity]
    portal.files["a_former"] = portal.files["a"]
    problems = []

    for route in all_routes():
        if route.is_admin or route.spec.kind != EXTRANET:
            continue
        for url in urls_for(portal, route, owners=("a",), user=a.employer_user):
            for method in ("GET", "POST"):
                response = request(client, a.employer_user, method, url)
                problem = check_answer(client, a.employer_user, response, portal, ("a_former",))
                if problem:
                    problems.append(f"{route.key} {method} {url} : {problem}")

    assert not problems, "\n".join(problems)
    assert Signer.objects.filter(user=a.employer_user, signed_at__isnull=False, request__status="pending").count() == 0


@pytest.mark.parametrize("leaves", ["contact_deactivated", "contract_ended"])
def test_a_former_employer_can_neither_read_nor_sign_the_contracts_documents(client, portal, leaves):
    """Regression: the signature pages used to scope by "I am a signer" only, so a maître
    d'apprentissage who had left the company (or whose contract had ended) still listed,
    read and signed the contract's documents. They now require the document in the user's scope."""
    a = portal.world.a
    if leaves == "contact_deactivated":
        a.employer_contact.active = False
        a.employer_contact.save(update_fields=["active"])
    else:
        Contract.objects.filter(pk=a.contract.pk).update(status=ContractStatus.ENDED)
    pending, completed = portal.objects["a"]["request"]
    signer = pending.signers.get(user=a.employer_user)
    client.force_login(a.employer_user)

    to_sign = client.get("/contrats/signatures/a-signer/")
    statuses = [
        client.get(f"/contrats/signatures/signataire/{signer.pk}/").status_code,
        client.post(f"/contrats/signatures/signataire/{signer.pk}/", {"confirm": "on"}).status_code,
        client.get(f"/contrats/signatures/{pending.pk}/document/").status_code,
        client.get(f"/contrats/signatures/{completed.pk}/document/").status_code,
        client.get(f"/contrats/signatures/{completed.pk}/document-signe/").status_code,
    ]

    assert to_sign.status_code == 200 and list(to_sign.context["signers"]) == []
    assert "Convention Boulangerie Alpha" not in to_sign.content.decode()
    assert statuses == [404, 404, 404, 404, 404]
    signer.refresh_from_db()
    assert signer.signed_at is None and SignatureRequest.objects.get(pk=pending.pk).status == SignatureRequestStatus.PENDING


def test_the_current_employer_still_reads_and_signs(client, portal):
    a = portal.world.a
    pending, completed = portal.objects["a"]["request"]
    signer = pending.signers.get(user=a.employer_user)
    client.force_login(a.employer_user)

    assert [s.pk for s in client.get("/contrats/signatures/a-signer/").context["signers"]] == [signer.pk]
    assert client.get(f"/contrats/signatures/{completed.pk}/document-signe/").status_code == 200
    assert client.post(f"/contrats/signatures/signataire/{signer.pk}/", {"confirm": "on"}).status_code == 302
    signer.refresh_from_db()
    assert signer.signed_at == NOW and signer.ip_address == "127.0.0.1"


def test_employer_never_opens_the_apprentices_absence_proof_nor_the_apprentice_the_companys_documents(client, portal):
    a = portal.objects["a"]
    proof = next(doc for doc in a["document"] if doc.kind == DocumentKind.ABSENCE_PROOF)
    company_document = next(doc for doc in a["document"] if doc.contract_id is None and doc.apprentice_id is None)
    url = "/contrats/documents/{}/telecharger/"

    client.force_login(portal.world.a.employer_user)
    assert client.get(url.format(proof.pk)).status_code == 404
    assert client.get(url.format(company_document.pk)).status_code == 200
    client.force_login(portal.world.a.apprentice_user)
    assert client.get(url.format(company_document.pk)).status_code == 404
    assert response_bytes(client.get(url.format(proof.pk))) == document_read(proof)


def test_the_cohort_calendar_shows_an_apprentice_neither_its_cohort_mates_personal_dates_nor_its_exceptions(client, portal):
    world = portal.world
    for user in (world.a.apprentice_user, world.a.employer_user):
        client.force_login(user)
        response = client.get(f"/promotions/{world.a.cohort.pk}/calendrier/?mois=2026-12")
        page = normalise(readable_text("text/html", response.content))

        assert response.status_code == 200
        assert "jury alpha" in page and "entretien alice alpha" in page
        assert "oral céline gamma" not in page and "céline voisin" not in page and "rattrapage gamma" not in page


# --- 4. the ICS feed: a bearer URL ------------------------------------------------------------------------------


def feed_events(response) -> list[tuple[str, str]]:
    calendar = Calendar.from_ical(response.content)
    return sorted((str(event["SUMMARY"]), str(event["DTSTART"].dt)) for event in calendar.walk("VEVENT"))


def test_ics_feed_gives_the_tokens_owner_calendar_logged_out_or_as_someone_else(client, portal):
    url = f"/calendrier/ics/{portal.tokens['b_apprentice']}.ics"

    anonymous = Client().get(url)
    client.force_login(portal.world.a.employer_user)
    as_a = client.get(url)

    assert anonymous.status_code == 200 and anonymous["Content-Type"] == "text/calendar; charset=utf-8"
    assert as_a.content == anonymous.content
    events = feed_events(anonymous)
    assert ("Jury Bêta", "2026-12-09 09:00:00+01:00") in events
    assert ("Entretien Bruno Bêta", "2026-12-15") in events
    assert ("Au centre de formation", "2026-12-02") in events  # B's exception puts it at the centre
    assert ("Centre fermé : Séminaire Bêta", "2026-12-21") in events
    assert ("Visite prévue : Première visite", "2026-12-10") in events
    assert not leaks_in(anonymous, portal, ("a", "c", "office"))
    assert str(Calendar.from_ical(anonymous.content)["X-WR-CALNAME"]) == "Alternance — Bruno Durand"


def test_ics_feed_of_bs_employer_holds_bs_apprentice_only(client, portal):
    response = Client().get(f"/calendrier/ics/{portal.tokens['b_employer']}.ics")

    events = feed_events(response)
    assert response.status_code == 200
    assert ("Jury Bêta — Bruno Durand", "2026-12-09 09:00:00+01:00") in events
    assert all(summary.endswith("— Bruno Durand") or summary.startswith("Centre fermé") for summary, _day in events)
    assert not leaks_in(response, portal, ("a", "c", "office"))


def test_revoked_replaced_and_unknown_ics_tokens_answer_404(client, portal):
    b = portal.world.b
    current = portal.tokens["b_employer"]
    assert Client().get(f"/calendrier/ics/{current}.ics").status_code == 200

    planning_services.calendar_feed_revoke(user=b.employer_user)
    replaced = planning_services.calendar_feed_create(user=b.apprentice_user)

    anonymous = Client()
    assert anonymous.get(f"/calendrier/ics/{current}.ics").status_code == 404  # revoked
    assert anonymous.get(f"/calendrier/ics/{portal.tokens['b_revoked']}.ics").status_code == 404  # replaced long ago
    assert anonymous.get(f"/calendrier/ics/{portal.tokens['b_apprentice']}.ics").status_code == 404  # replaced now
    assert anonymous.get(f"/calendrier/ics/{UNKNOWN_TOKEN}.ics").status_code == 404
    assert anonymous.get(f"/calendrier/ics/{replaced.token}.ics").status_code == 200
    client.force_login(portal.world.a.apprentice_user)
    assert client.get(f"/calendrier/ics/{current}.ics").status_code == 404
    assert CalendarFeedToken.objects.filter(user=b.employer_user, revoked_at__isnull=True).count() == 0
