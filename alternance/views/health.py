"""/healthz: is the application able to serve? Used by the load balancer and the monitoring."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def check_database() -> str:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready"; the message helps the operator
        logger.warning("healthz: database unreachable: %s", exc)
        return f"error: {exc.__class__.__name__}"
    return "ok"


def check_broker() -> str:
    url = getattr(settings, "REDIS_URL", None)
    if not url:
        return "not configured (tasks run in-process)"
    import redis  # imported here: only needed when a broker is configured

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:
        logger.warning("healthz: broker unreachable: %s", exc)
        return f"error: {exc.__class__.__name__}"
    return "ok"


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers (status "degraded" if only the broker fails), 503 otherwise."""
    database = check_database()
    broker = check_broker()
    if database != "ok":
        status, http_status = "error", 503
    elif broker.startswith("error"):
        status, http_status = "degraded", 200
    else:
        status, http_status = "ok", 200
    return JsonResponse({"status": status, "database": database, "broker": broker}, status=http_status)
