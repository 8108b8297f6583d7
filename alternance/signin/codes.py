"""The rotating sign-in code of a session (issue 19 §2): six digits, new every 30 seconds, valid for
that session only.

A code is an HMAC (SHA-256) of the session's number and the 30-second step, keyed by the project's
secret and the session's own secret — drawn afresh at each opening, so a code of a session never
works for another, nor after a reopening. Nothing is stored per code: the server recomputes it.

A code is accepted during its own step and the next one (30 to 60 seconds): the time to scan it and
tap « Je signe » on a weak connection. Any older code of the same opening is "expired" (said as
such: the apprentice typed the code too late, or replays a photo of the screen); anything else is
unknown.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from alternance.models import TrainingSession

DIGITS = 6
# A code is good in its own step and the next: current and previous steps are accepted.
ACCEPTED_STEPS = 2

VALID, EXPIRED, UNKNOWN = "valid", "expired", "unknown"


def step_seconds() -> int:
    return settings.SIGNIN_CODE_STEP_SECONDS


def new_secret() -> str:
    return secrets.token_hex(32)


def _step(moment: datetime) -> int:
    return int(moment.timestamp()) // step_seconds()


def _code(session: TrainingSession, step: int) -> str:
    key = f"{settings.SECRET_KEY}:{session.signin_secret}".encode()
    digest = hmac.new(key, f"signin:{session.pk}:{step}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10 ** DIGITS:0{DIGITS}d}"


@dataclass(frozen=True)
class CurrentCode:
    code: str
    expires_at: datetime  # the end of its step (still accepted one more step after)

    @property
    def display(self) -> str:
        """« 123 456 »: easier to read from the back of a room and to type."""
        return f"{self.code[:3]} {self.code[3:]}"


def current_code(session: TrainingSession, now: datetime) -> CurrentCode:
    step = _step(now)
    expires_at = datetime.fromtimestamp((step + 1) * step_seconds(), tz=now.tzinfo)
    return CurrentCode(code=_code(session, step), expires_at=expires_at)


def normalise(typed: str) -> str:
    """The six digits typed, spaces and dashes dropped (« 123 456 », « 123-456 »)."""
    return "".join(ch for ch in (typed or "") if ch not in " -\u00a0\u202f\t")


def check(session: TrainingSession, typed: str, now: datetime, *, look_back: bool = True) -> str:
    """VALID when ``typed`` is the session's code of this step or of the previous one; EXPIRED when
    it is an older code of the same opening (looked for only with ``look_back``); UNKNOWN otherwise
    (or when the sign-in was never opened)."""
    code = normalise(typed)
    if len(code) != DIGITS or not code.isdigit() or not session.signin_secret or session.signin_opened_at is None:
        return UNKNOWN
    step = _step(now)
    for earlier in range(ACCEPTED_STEPS):
        if hmac.compare_digest(_code(session, step - earlier), code):
            return VALID
    if not look_back:
        return UNKNOWN
    first = _step(session.signin_opened_at - timedelta(seconds=step_seconds()))
    # An opening lasts a session (hours): at most a few hundred steps to look back on.
    for older in range(step - ACCEPTED_STEPS, max(first, step - settings.SIGNIN_CODE_LOOKBACK_STEPS) - 1, -1):
        if hmac.compare_digest(_code(session, older), code):
            return EXPIRED
    return UNKNOWN
