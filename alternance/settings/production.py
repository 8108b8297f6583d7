"""Production: no default for secrets (fails loudly), HTTPS everywhere, `check --deploy` clean."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("La variable d'environnement SECRET_KEY est obligatoire en production.")
NIR_ENCRYPTION_KEY = env("NIR_ENCRYPTION_KEY")
if not NIR_ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "La variable NIR_ENCRYPTION_KEY est obligatoire en production "
        "(générez-la avec : python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# /healthz is probed over plain HTTP by the load balancer / orchestrator.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
