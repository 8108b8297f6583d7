"""Symmetric encryption for the few personal identifiers we must keep (the NIR, domain §9).

The key is NIR_ENCRYPTION_KEY (a Fernet key); locally, without one, it is derived from SECRET_KEY
so that the zero-setup run works. Production settings refuse to start without a real key.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = settings.NIR_ENCRYPTION_KEY
    if not key:
        key = base64.urlsafe_b64encode(hashlib.sha256(f"nir:{settings.SECRET_KEY}".encode()).digest()).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str | None:
    """Clear value, or None when the token was made with another key (key rotated without migration)."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None
