"""PDF of the core app (style §13): the visit report, rendered with WeasyPrint through the
contracts app's ``render_pdf`` (WeasyPrint imported inside it) and stored as a ``visit_report``
Document through ``document_store`` (SHA-256, size, next version)."""

from __future__ import annotations

import hashlib
from datetime import date
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from alternance.models import User, Visit, VisitCriterion
from alternance.tutoring.evaluations import employer_grid_rows
from alternance.tutoring.selectors import visit_grid_rows
from contracts.choices import DocumentKind
from contracts.documents import document_store
from contracts.models import Document
from contracts.pdf import render_pdf


def grid_average(rows: list[dict]) -> float | None:
    scores = [row["score"] for row in rows if isinstance(row.get("score"), int)]
    return round(sum(scores) / len(scores), 2) if scores else None


# The tutor's grid criteria that are the OF's internal assessment (issue 17 §7): the risk of
# rupture is scored and commented by the tutor for the OF's own follow-up (alerts, Qualiopi 12);
# it never reaches the company nor the apprentice.
CONFIDENTIAL_CRITERIA = frozenset({"rupture_risk"})


def visit_report_pdf(visit: Visit, *, today: date, confidential: bool = False) -> bytes:
    """The report of a visit: parties, the grid (criterion, score on its scale, comment), the
    maître d'apprentissage's view, the actions agreed, the report text and the employer's own part
    of the grid when it was sent.

    Two renderings (issue 17 §7): the shared one (``confidential=False``), stored as the contract's
    document that the company and the apprentice download, leaves out the internal assessment —
    the risk flag and its comment, the confidential criteria of the grid, and the average over
    them; the full one (``confidential=True``), for the OF's staff only, is rendered on demand,
    marked « Document interne », and never stored."""
    rows = visit_grid_rows(visit, list(VisitCriterion.objects.filter(for_employer=False).order_by("order", "pk")))
    if not confidential:
        rows = [row for row in rows if row["code"] not in CONFIDENTIAL_CRITERIA]
    employer_rows = employer_grid_rows(visit)
    context = {
        "visit": visit,
        "apprentice": visit.apprentice,
        "contract": visit.contract,
        "company": visit.contract.company if visit.contract else None,
        "rows": rows,
        "average": grid_average(rows),
        # The employer's part, filled on the extranet (issue 6, part 4).
        "employer_rows": employer_rows,
        "employer_average": grid_average(employer_rows) if visit.employer_submitted_at else None,
        "today": today,
        "confidential": confidential,
        "document_title": _("Compte rendu de visite — version interne") if confidential else _("Compte rendu de visite"),
    }
    return render_pdf("alternance/pdf/visit_report.html", context)


def visit_report_internal_filename(visit: Visit) -> str:
    apprentice = visit.apprentice
    name = slugify(f"{apprentice.usage_name or apprentice.last_name} {apprentice.first_name}") or "apprenti"
    return f"compte-rendu-visite-interne-{name}-{visit.done_date:%Y%m%d}.pdf"


def visit_report_generate(*, visit: Visit, by: User | None, today: date) -> Document:
    """Render the shared report of a visit done and store it (a new version each time): the
    version the company and the apprentice download, without the internal assessment. The
    document is tied to the visit by its apprentice, its contract and the visit's date
    (``period_start``)."""
    if visit.done_date is None:
        raise ValueError(_("Le compte rendu se rédige une fois la visite réalisée."))
    content = visit_report_pdf(visit, today=today, confidential=False)
    apprentice = visit.apprentice
    name = slugify(f"{apprentice.usage_name or apprentice.last_name} {apprentice.first_name}") or "apprenti"
    return document_store(
        content=content,
        filename=f"compte-rendu-visite-{name}-{visit.done_date:%Y%m%d}.pdf",
        kind=DocumentKind.VISIT_REPORT,
        title=_("Compte rendu — %(kind)s du %(day)s — %(name)s")
        % {"kind": visit.get_kind_display(), "day": f"{visit.done_date:%d/%m/%Y}", "name": apprentice.full_name},
        contract=visit.contract,
        apprentice=apprentice,
        by=by,
        generated=True,
        period_start=visit.done_date,
        period_end=visit.done_date,
    )


def _holds_internal_assessment(content: bytes) -> bool:
    """Whether a stored report PDF prints the rupture-risk section or criterion (reports stored
    before issue 17 §7 did)."""
    from pypdf import PdfReader

    text = " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages).split())
    return "Risque de rupture" in text or "Risque signalé" in text


@transaction.atomic
def visit_report_redact(*, document: Document, today: date) -> bool:
    """Replace, in place, a stored visit report that holds the internal assessment by the shared
    version of its visit (issue 17 §7: reports stored before the fix). The document keeps its id
    and version — its links keep working — with the new file, SHA-256 and size. Returns whether it
    was replaced; False when it holds nothing confidential or its visit is gone (then say so)."""
    from contracts.documents import document_read

    if not _holds_internal_assessment(document_read(document)):
        return False
    visit = (
        Visit.objects.select_related("apprentice__cohort__programme", "tutor", "contract__company", "contract__master")
        .filter(apprentice_id=document.apprentice_id, done_date=document.period_start)
        .order_by("-pk")
        .first()
    )
    if visit is None:
        raise LookupError(document.pk)
    content = visit_report_pdf(visit, today=today, confidential=False)
    old_file = document.file.name
    document.file.save(old_file.rsplit("/", 1)[-1], ContentFile(content), save=False)
    document.sha256, document.size = hashlib.sha256(content).hexdigest(), len(content)
    document.save(update_fields=["file", "sha256", "size"])
    storage = document.file.storage
    transaction.on_commit(lambda: storage.delete(old_file))
    return True
