"""PDF summary of a Qualiopi evidence pack (style §13): a cover (organisation, period, date), then
one section per indicator — what the OF shows, the counts, up to five examples, the notes and the
files of its folder in the ZIP. Rendered with WeasyPrint through ``contracts.pdf.render_pdf``
(imported inside it, no external resource fetched). The NIR is never part of the data passed in."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _

from alternance.models import EvidencePack
from alternance.qualiopi.common import referent_handicap
from contracts.pdf import css_string, render_pdf


def evidence_pack_pdf(*, pack: EvidencePack, sections: list, today: date, pdf_name: str, index_name: str) -> bytes:
    """``sections``: the ``alternance.qualiopi.packs.Section`` of every indicator, in order."""
    context = {
        "pack": pack,
        "sections": sections,
        "today": today,
        "document_title": _("Dossier de preuves Qualiopi"),
        "referent": referent_handicap(),
        "pdf_name": pdf_name,
        "index_name": index_name,
        "files_total": sum(len(section.files) for section in sections),
        "header_css": css_string(settings.ORGANISATION["name"]),
    }
    return render_pdf("alternance/pdf/qualiopi_pack.html", context)
