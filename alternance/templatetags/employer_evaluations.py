"""The employer's part of a visit's grid, shown read-only on the tutor's visit page and on the
employer's own evaluation page once sent (the views need not know how it is laid out)."""

from django import template

from alternance.tutoring.evaluations import employer_grid_rows
from alternance.tutoring.pdf import grid_average

register = template.Library()


@register.inclusion_tag("alternance/extranet/includes/employer_part.html")
def employer_evaluation(visit, heading_level: int = 2):
    """``visit``: a ``Visit``. One query for the criteria, one for the author when it is not loaded."""
    submitted = visit.employer_submitted_at is not None
    rows = employer_grid_rows(visit) if submitted else []
    return {
        "visit": visit,
        "submitted": submitted,
        "rows": rows,
        "average": grid_average(rows) if submitted else None,
        "author": visit.employer_submitted_by if submitted else None,
        "heading_level": heading_level,
    }
