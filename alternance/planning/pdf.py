"""Printable alternance calendars (issue 6, part 2): one school year (September → August) on an
A4 landscape page — one line per month, one column per day of the month, each day coloured and
lettered (C centre, E entreprise, – repos) — followed by the legend, the closures, the exceptions
and the key dates of the year. Rendered with WeasyPrint through ``contracts.pdf.render_pdf`` (the
helper ``tutoring.pdf`` uses), templates ``templates/alternance/pdf/calendar*.html``.

Not stored as documents: the calendar changes with every key date, so it is rendered on demand.
"""

from __future__ import annotations

from datetime import date

from django.utils.text import slugify
from django.utils.translation import gettext as _

from alternance.models import Apprentice, Cohort, User
from alternance.planning.calendar import apprentice_year, cohort_year


def _render(context: dict) -> bytes:
    from contracts.pdf import render_pdf  # WeasyPrint is imported inside: slow to import

    return render_pdf("alternance/pdf/calendar.html", context)


def apprentice_calendar_pdf(apprentice: Apprentice, start_year: int, *, user: User, today: date) -> bytes:
    """The apprentice's school year ``start_year``–``start_year + 1`` as ``user`` may see it."""
    year = apprentice_year(apprentice, start_year, user=user)
    return _render({
        "document_title": _("Calendrier d'alternance %(year)s") % {"year": year.title},
        "subject": apprentice.full_name,
        "cohort": apprentice.cohort,
        "calendar": year,
        "today": today,
        "personal": True,
    })


def cohort_calendar_pdf(cohort: Cohort, start_year: int, *, user: User, today: date) -> bytes:
    """The cohort's school year (rhythm, holidays, closures and the cohort's key dates)."""
    year = cohort_year(cohort, start_year, user=user)
    return _render({
        "document_title": _("Calendrier d'alternance %(year)s") % {"year": year.title},
        "subject": cohort.name,
        "cohort": cohort,
        "calendar": year,
        "today": today,
        "personal": False,
    })


def pdf_filename(name: str, start_year: int) -> str:
    return f"calendrier-{slugify(name) or 'alternance'}-{start_year}-{start_year + 1}.pdf"
