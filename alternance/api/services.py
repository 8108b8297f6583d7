"""Writes on API keys: create (the clear key is returned once and never stored), revoke, and the
"last used" stamp written by the authentication at most once a minute."""

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alternance import access
from alternance.models import ApiToken, User
from alternance.models.invitations import hash_token

# 32 random bytes, URL-safe base64 (43 characters): as strong as a session key, easy to paste.
TOKEN_BYTES = 32
PREFIX_LENGTH = 8
# ``last_used_at`` is a hint for people sorting out their keys, not an audit log: writing it on
# every request would turn each read into a write. One update per key and minute at most.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def generate_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@transaction.atomic
def api_token_create(*, user: User, label: str) -> tuple[ApiToken, str]:
    """Create a key for ``user``; return the row and the clear key, which is shown once and only
    its SHA-256 is stored (like the invitation links)."""
    if not access.can_use_api(user):
        # The API is for the OF's staff; the authentication refuses such a key anyway (403).
        raise ValidationError(_("Les clés d'API sont réservées à l'équipe du centre de formation."))
    clear = generate_token()
    token = ApiToken(user=user, label=(label or "").strip(), prefix=clear[:PREFIX_LENGTH], token_hash=hash_token(clear))
    token.full_clean()
    token.save()
    return token, clear


@transaction.atomic
def api_token_revoke(*, token: ApiToken, now: datetime | None = None) -> bool:
    """Revoke a key (compare-and-set: a key already revoked keeps its first date). True when this
    call revoked it."""
    now = now or timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if updated:
        token.revoked_at = now
    return bool(updated)


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> bool:
    """Stamp ``last_used_at``, at most once per ``LAST_USED_RESOLUTION``: no query at all when the
    stamp in hand is recent, and a conditional update otherwise (concurrent requests write once)."""
    now = now or timezone.now()
    threshold = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > threshold:
        return False
    updated = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=threshold))
        .update(last_used_at=now)
    )
    if updated:
        token.last_used_at = now
    return bool(updated)
