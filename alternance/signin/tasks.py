"""Tasks of the sign-in (issue 19 §3): the signed sheet of a closed session, the monthly sheets of a
cohort. Thin and safe to re-run (style §9); the services start them by name through the outbox."""

from celery import shared_task

from alternance.models import User
from alternance.signin import sheets


@shared_task(name=sheets.SHEET_TASK, acks_late=True)
def signin_sheet_store(*, session_id: int) -> int | None:
    document = sheets.session_sheet_store(session_id=session_id)
    return document.pk if document else None


@shared_task(name=sheets.MONTHLY_TASK, acks_late=True)
def signin_monthly_sheets_store(*, cohort_id: int, year: int, month: int, by_id: int | None = None) -> int:
    by = User.objects.filter(pk=by_id).first() if by_id else None
    return len(sheets.monthly_sheets_store(cohort_id=cohort_id, year=year, month=month, by=by))
