"""The monthly attendance statement (relevé d'assiduité) of one apprentice, as a PDF (style §13).

Rendered with the same WeasyPrint helper and print layout as the other documents of the project
(``contracts.pdf.render_pdf``, used by ``tutoring.pdf``; template under
``templates/alternance/pdf/``). It is produced on request and not stored: its content depends on
who asks (an employer's statement holds only the days of its contract) and on the day it is
generated (justifications change), which the document prints.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from alternance.attendance.services import AttendanceStatement
from contracts.pdf import render_pdf


def attendance_statement_pdf(statement: AttendanceStatement, *, generated_at: datetime) -> bytes:
    """The statement of a month: the OF, the apprentice and its cohort, the month, one line per
    recorded half-day (date, half-day, status, minutes late, justification), the totals (half-days
    recorded, present, absences justified / unjustified / pending, lateness and its minutes,
    attendance rate) and the date and time it was generated."""
    local = timezone.localtime(generated_at)
    context = {
        "statement": statement,
        "apprentice": statement.apprentice,
        "cohort": statement.apprentice.cohort,
        "totals": statement.totals,
        "today": local.date(),
        "generated_at": local,
        "document_title": _("Relevé d'assiduité — %(month)s") % {"month": statement.month_label},
    }
    return render_pdf("alternance/pdf/attendance_statement.html", context)


def attendance_statement_filename(statement: AttendanceStatement) -> str:
    apprentice = statement.apprentice
    name = slugify(f"{apprentice.usage_name or apprentice.last_name} {apprentice.first_name}") or "apprenti"
    return f"releve-assiduite-{name}-{statement.month:%Y-%m}.pdf"
