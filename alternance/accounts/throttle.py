"""Login throttling (issue 17 §9) on top of django-axes: the settings ``AXES_*`` point here.

Failed logins are counted per account (the e-mail typed, whatever its case) and per client address,
each against its own limit (``LOGIN_FAILURE_LIMIT_PER_ACCOUNT``, ``LOGIN_FAILURE_LIMIT_PER_ADDRESS``)
over ``LOGIN_COOLOFF_MINUTES``: axes itself knows one limit for every parameter, and a training
centre's shared connection must not be locked by five typos of five different people. Beyond a
limit the login page answers 429 and says from when to try again.
"""

from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alternance.views.mixins import client_ip


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """How long the failures count (and a lock lasts after the last counted failure)."""
    return timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)


def failure_limit(request: HttpRequest | None = None, credentials: dict | None = None) -> int:
    """The limit axes compares with ``AccountAndAddressHandler.get_failures``: the account's."""
    return settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT


def typed_email(request: HttpRequest | None, credentials: dict | None) -> str | None:
    """The account a failure counts against: the e-mail typed, lower-cased as accounts are stored
    (``Camille@…`` and ``camille@…`` are the same account and share one counter)."""
    value = (credentials or {}).get("username") or (credentials or {}).get("email")
    return str(value).strip().lower()[:255] if value else None


def client_address(request: HttpRequest) -> str | None:
    """The client's address, read as everywhere else (``TRUSTED_PROXIES``)."""
    return client_ip(request)


class AccountAndAddressHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per parameter: the failures of the account and those of
    the address are summed apart; an address over its own limit locks like an account over its."""

    def _failures_by_parameter(self, request, credentials) -> tuple[int, int]:
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return by_account, by_address

    def get_failures(self, request, credentials: dict | None = None) -> int:
        by_account, by_address = self._failures_by_parameter(request, credentials)
        if by_address >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            return max(by_account, settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT)
        return by_account

    def unlocked_at(self, request, credentials: dict | None = None) -> datetime | None:
        """When the lock of this request ends at the latest: the last counted failure of each group
        over its limit, plus the cool-off."""
        account_attempts, address_attempts = self.get_user_attempts(request, credentials)
        by_account, by_address = self._failures_by_parameter(request, credentials)
        ends = []
        for attempts, failures, limit in (
            (account_attempts, by_account, settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT),
            (address_attempts, by_address, settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS),
        ):
            last = attempts.aggregate(last=Max("attempt_time"))["last"]
            if failures >= limit and last is not None:
                ends.append(last + cool_off(request))
        return max(ends) if ends else None


def lockout_message(unlocked_at: datetime | None, now: datetime) -> str:
    """« … réessayez à partir de 14 h 47 (dans 15 minutes) » — the time in Paris, minutes rounded up."""
    if unlocked_at is None:
        unlocked_at = now + cool_off()
    minutes = max(1, -(-int((unlocked_at - now).total_seconds()) // 60))
    local = timezone.localtime(unlocked_at)
    day = "" if timezone.localdate(unlocked_at) == timezone.localdate(now) else _(" le %(day)s") % {
        "day": formats.date_format(local, "j F")
    }
    return _(
        "Trop d'essais de connexion ont échoué : pour protéger le compte, la connexion est suspendue. "
        "Réessayez à partir de %(time)s%(day)s (%(wait)s). Si vous avez oublié votre mot de passe, "
        "utilisez « Mot de passe oublié ? » ci-dessous."
    ) % {
        "time": f"{local.hour}\u00a0h\u00a0{local.minute:02d}",
        "day": day,
        "wait": ngettext("dans %(n)d minute", "dans %(n)d minutes", minutes) % {"n": minutes},
    }


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The login page again, status 429, with the message saying when to try again."""
    from axes.handlers.proxy import AxesProxyHandler

    from alternance.forms import EmailAuthenticationForm

    handler = AxesProxyHandler.get_implementation()
    unlocked_at = handler.unlocked_at(request, credentials) if isinstance(handler, AccountAndAddressHandler) else None
    form = EmailAuthenticationForm(request, initial={"username": get_client_username(request, credentials) or ""})
    return render(request, "registration/login.html", {
        "form": form,
        "next": request.POST.get("next", "") if request.method == "POST" else "",
        "lockout_message": lockout_message(unlocked_at, timezone.now()),
    }, status=429)
