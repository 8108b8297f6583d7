"""Background tasks of the planning: the nightly recomputation of the contracts' free periods.
Thin and safe to re-run (style §9)."""

from celery import shared_task

from alternance.planning.free_period import refresh_all


@shared_task(name="alternance.refresh_free_period_ends")
def refresh_free_period_ends() -> int:
    """Recompute every contract's 45th company day (``Contract.free_period_end``), whatever changed
    the calendars meanwhile (a service that does not keep it, the number of days changed in the
    administration). Idempotent; returns the number of contracts corrected."""
    return refresh_all()
