"""Settings shared by every environment, read from environment variables.

Every variable is listed in ``.env.example``. Defaults are for a zero-setup local run:
a SQLite file in the project folder, Celery tasks run in-process, emails on the console.
"""

import importlib.util
import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


def package_dir(package: str) -> Path:
    """Folder of an installed package: third-party assets are served from there (no CDN)."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, f"package {package} is not installed"
    return Path(next(iter(spec.submodule_search_locations)))


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "auditlog",
    "alternance.apps.AlternanceConfig",
    "companies.apps.CompaniesConfig",
    "contracts.apps.ContractsConfig",
    "alerts.apps.AlertsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "alternance.middleware.HealthCheckMiddleware",
    "alternance.middleware.RejectNulCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view is marked @login_not_required (style §3).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Ties every change logged during a request to the logged-in user (history of changes, issue 13 §4).
    "alternance.history.services.HistoryMiddleware",
    # An employer's pages read its contracts once (alternance.access.request_keys).
    "alternance.middleware.AccessKeysMiddleware",
]

ROOT_URLCONF = "alternance.urls"
WSGI_APPLICATION = "alternance.wsgi.application"
ASGI_APPLICATION = "alternance.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alternance.context_processors.navigation",
            ],
        },
    },
]

# DATABASE_URL, e.g. postgres://user@127.0.0.1:5432/alternance. Default: SQLite file in the project.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "alternance.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # a reset link stays valid 3 days
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The one language of LANGUAGES, which LocaleMiddleware activates: as « fr-fr » the default was a second
# translation chained behind it, looked up in full for every French text of the code (none is in a
# catalog): 40 % of each translation's time on every page (issue 18 §2).
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français"))]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party front-end assets come from Python packages (offline, no CDN):
# Bootstrap from bootstrap-wrapper, htmx from django-htmx (its app static folder).
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", package_dir("bootstrap")),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded and generated documents live outside the web root and are served through
# permission-checked views only (never by the web server directly).
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media-non-servi/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Absence proofs (issue 17 §14): an image of more pixels is refused before its pixels are decoded
# (a phone's standard photo is 12 megapixels; an 11 000 × 11 000 PNG of a few kilobytes would take
# gigabytes of memory once decoded). Pillow's own decompression-bomb guard stays on as well.
PROOF_MAX_IMAGE_PIXELS = int(env("PROOF_MAX_IMAGE_PIXELS", "40000000"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console backend unless EMAIL_URL-style variables are set.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Alternance <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with REDIS_URL set, tasks go to the Redis broker and a worker runs them. Without it,
# tasks run in-process (eager) so the embedded default works with nothing else installed.
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Background tasks: nothing lost when Redis or a worker dies (issue 17 §1–2) --------------------
# A request hands its tasks and e-mails to Redis once, with a short timeout and no retry loop (the
# default loop blocked ~19 s then raised): if Redis does not answer, the rows stay queued in the
# outbox (``alternance.outbox``) and the dispatcher sends them when it is back.
BROKER_CONNECT_TIMEOUT = float(env("BROKER_CONNECT_TIMEOUT", "2"))
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT
CELERY_BROKER_CONNECTION_MAX_RETRIES = 0
# Long jobs' time limits (seconds): at the soft limit the job stops and records a French error, at
# the hard limit the worker kills it. A job still « en cours » past the hard limit has lost its worker.
JOB_SOFT_TIME_LIMIT = int(env("JOB_SOFT_TIME_LIMIT", "1500"))
JOB_TIME_LIMIT = int(env("JOB_TIME_LIMIT", "1800"))
# A document batch refreshes its heartbeat after each document: silent this long = its worker died.
JOB_HEARTBEAT_TIMEOUT = int(env("JOB_HEARTBEAT_TIMEOUT", "300"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": BROKER_CONNECT_TIMEOUT,
    "socket_timeout": 5,
    "max_retries": 0,
    # A task acknowledged late is delivered again if unacknowledged this long: beyond the hard limit.
    "visibility_timeout": max(3600, 2 * JOB_TIME_LIMIT),
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_CONNECT_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 0}}
# Late acknowledgement: a worker takes one message at a time, so a death loses nothing it had reserved.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Outbox retries: 30 s, then doubling up to 1 hour; an e-mail gives up (« en échec ») after
# OUTBOX_MAX_ATTEMPTS tries, a task never does. An e-mail handed over but still unsent after
# OUTBOX_EMAIL_RESEND_AFTER_SECONDS (message lost by Redis) is handed over again — sent once anyway.
OUTBOX_BACKOFF_SECONDS = int(env("OUTBOX_BACKOFF_SECONDS", "30"))
OUTBOX_BACKOFF_MAX_SECONDS = int(env("OUTBOX_BACKOFF_MAX_SECONDS", "3600"))
OUTBOX_MAX_ATTEMPTS = int(env("OUTBOX_MAX_ATTEMPTS", "30"))
OUTBOX_EMAIL_RESEND_AFTER_SECONDS = int(env("OUTBOX_EMAIL_RESEND_AFTER_SECONDS", "600"))
# After a failed hand-over, requests leave their rows to the dispatcher this long (no wait per click).
OUTBOX_BROKER_PAUSE_SECONDS = int(env("OUTBOX_BROKER_PAUSE_SECONDS", "30"))
# --- end of the background tasks settings -----------------------------------------------------------
# Time of the nightly alert rules run (Celery beat, Europe/Paris); default 02:30.
NIGHTLY_CHECKS_HOUR, NIGHTLY_CHECKS_MINUTE = int(env("NIGHTLY_CHECKS_HOUR", "2")), int(env("NIGHTLY_CHECKS_MINUTE", "30"))
# Time of the daily alert digest emails; default 07:00.
ALERTS_DIGEST_HOUR, ALERTS_DIGEST_MINUTE = int(env("ALERTS_DIGEST_HOUR", "7")), int(env("ALERTS_DIGEST_MINUTE", "0"))
# The steering dashboard's figures (issue 18 §2): the worker recomputes them every
# STEERING_REFRESH_SECONDS; a page finding them older than STEERING_MAX_AGE_SECONDS (no worker
# running, a worker behind) computes them itself. « Actualiser » recomputes them at once.
STEERING_REFRESH_SECONDS = int(env("STEERING_REFRESH_SECONDS", "120"))
STEERING_MAX_AGE_SECONDS = int(env("STEERING_MAX_AGE_SECONDS", "300"))

# --- Spreadsheet imports read in a task (issue 17 §3) --------------------------------------------
# Data rows of one import at most, and size of an XLSX once decompressed (checked before it is
# opened): beyond, the analysis refuses the file and says how to split it.
IMPORT_MAX_ROWS = int(env("IMPORT_MAX_ROWS", "50000"))
IMPORT_MAX_UNCOMPRESSED_BYTES = int(env("IMPORT_MAX_UNCOMPRESSED_MB", "50")) * 1024 * 1024

# --- Retention of the files the jobs keep on disk (issue 17 §5) -----------------------------------
# Days a file is kept, per kind, counted from the upload (imports) or the request (exports,
# packs, batches); the nightly purge deletes the file and the page says « fichier supprimé (durée
# de conservation dépassée) ». Generated files can be produced again from the data at any time.
FILE_RETENTION_DAYS = {
    # The uploaded spreadsheet (it may hold NIRs) and its error report: long enough to finish an import.
    "imports": int(env("RETENTION_IMPORT_FILES_DAYS", "30")),
    # The learners file for the State's Tableau de bord.
    "tdb_exports": int(env("RETENTION_TDB_EXPORTS_DAYS", "90")),
    # The Qualiopi evidence packs (PDF summary and ZIP of evidence).
    "evidence_packs": int(env("RETENTION_EVIDENCE_PACKS_DAYS", "90")),
    # The ZIP of a cohort's document batch (each document stays on its contract).
    "document_batches": int(env("RETENTION_DOCUMENT_BATCHES_DAYS", "30")),
    # A list exported in the background (issue 18 §1): a copy of the list to download, not a record.
    "list_exports": int(env("RETENTION_LIST_EXPORTS_DAYS", "7")),
}
# A list export (CSV / XLSX of a back-office list) with more rows than this is produced by a Celery
# job with its progress and a download link, not inside the request (issue 18 §1): at about 5 000
# rows an XLSX takes a few seconds, well within the gunicorn timeout (GUNICORN_TIMEOUT).
EXPORT_INLINE_MAX_ROWS = int(env("EXPORT_INLINE_MAX_ROWS", "5000"))
# Time of the nightly retention purge (Celery beat, Europe/Paris); default 03:15, after the alert rules.
RETENTION_PURGE_HOUR, RETENTION_PURGE_MINUTE = int(env("RETENTION_PURGE_HOUR", "3")), int(env("RETENTION_PURGE_MINUTE", "15"))

# Key used to encrypt the NIR (numéro de sécurité sociale): never stored in clear (domain §9).
# Production requires its own key; locally it is derived from SECRET_KEY.
NIR_ENCRYPTION_KEY = env("NIR_ENCRYPTION_KEY")

# Public address of the site (scheme and host), for links in emails sent outside a request
# (nightly digests, tasks). Requests use their own host.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

# The training organisation running this instance (Cerfa "CFA responsable", Tableau de bord).
ORGANISATION = {
    "name": env("OF_NAME", "CFA Démo Alternance"),
    "uai": env("OF_UAI", "0751234J"),
    "siret": env("OF_SIRET", "73282932000074"),
    # The OF's address: the Cerfa's training place of a cohort without a site (issue 13 §2).
    "address": env("OF_ADDRESS", ""),
}

# Hours of training in one half-day of the attendance register (the register records half-days):
# turns the register into the hours attended printed on a certificate of completion (issue 15 §9).
# The OF's own timetable, not a legal figure: 3.5 h for a 7-hour day at the centre.
HALF_DAY_HOURS = Decimal(env("HALF_DAY_HOURS", "3.5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO.
    "loggers": {"django.db.backends": {"level": "INFO"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# --- Read API (issue 7, part 5): Django REST framework and its OpenAPI description ------------------
# Per-user API keys only (no session: the API is for other tools), staff only, JSON only, paginated.
INSTALLED_APPS += ["rest_framework", "drf_spectacular"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["alternance.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["alternance.api.permissions.CanUseApi"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "alternance.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Dates and date-times in ISO 8601 (date-times with the Europe/Paris offset).
    "DATE_FORMAT": "iso-8601",
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API de lecture — Alternance",
    "DESCRIPTION": (
        "Lecture, pour les autres outils du centre de formation, des apprenti·es, entreprises, contrats, "
        "absences et alertes. Authentification par clé personnelle (en-tête « Authorization: Bearer <clé> », "
        "clés créées sur la page « Clés d'API ») ; réservée à l'équipe (responsable alternance, équipe "
        "administrative, CRE, formateur·rice référent·e) ; chaque réponse suit le périmètre du compte de la clé. "
        "Listes paginées (50 par page, « page_size » jusqu'à 500), triées par identifiant ; dates ISO 8601. "
        "Le NIR n'est jamais exposé."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    # Resources in the order of the URLconf (apprentices, companies, contracts, absences, alerts).
    "SORT_OPERATIONS": False,
    # One name per set of choices shared by several "status" fields (otherwise drf-spectacular
    # invents hashed names and warns).
    "ENUM_NAME_OVERRIDES": {
        "ApprenticeStatusEnum": "alternance.choices.ApprenticeStatus",
        "ContractStatusEnum": "contracts.choices.ContractStatus",
        "AbsenceStatusEnum": "alternance.api.filters.ABSENCE_STATUS_CHOICES",
        "AlertStatusEnum": "alerts.choices.AlertStatus",
        "ConcernedRoleEnum": "alerts.choices.ConcernedRole",
    },
}
# --- end of the read API settings ----------------------------------------------------------------

# --- The OF's référent handicap ------------------------------------------------------------------
# No record of the database names this person: the OF sets it here, once. The Qualiopi evidence
# pack prints it (indicators 20 and 26, or says it is missing); the Tableau de bord file reports it
# for each training (first and last names apart, as the State's template asks).
REFERENT_HANDICAP = {
    "first_name": env("REFERENT_HANDICAP_PRENOM", ""),
    "last_name": env("REFERENT_HANDICAP_NOM", ""),
    "email": env("REFERENT_HANDICAP_EMAIL", ""),
}

# --- Qualiopi evidence pack (issue 7, part 4) ------------------------------------------------------
QUALIOPI_REFERENT_HANDICAP = {
    "name": f"{REFERENT_HANDICAP['first_name']} {REFERENT_HANDICAP['last_name']}".strip(),
    "email": REFERENT_HANDICAP["email"],
}
# An indicator with no evidence recorded over this many days is shown as lacking recent evidence
# (the OF's choice: no rule of the Qualiopi framework fixes a freshness).
QUALIOPI_FRESHNESS_DAYS = int(env("QUALIOPI_FRESHNESS_DAYS", "90"))
# --- end of the Qualiopi evidence pack settings ------------------------------------------------------

# --- Tableau de bord de l'apprentissage: learners file (issue 7, part 3) --------------------------
# The template's columns that describe the organisation (alternance/tdb/config.py). The responsible
# establishment is OF_UAI / OF_SIRET above; the training establishment defaults to it (« si
# l'apprenant est formé au sein de l'établissement responsable, indiquez le même UAI et SIRET »).
# The rest is optional in the template: empty means the column stays empty in the file.
TDB_EXPORT = {
    "formateur_uai": env("TDB_FORMATEUR_UAI", ORGANISATION["uai"]),
    "formateur_siret": env("TDB_FORMATEUR_SIRET", ORGANISATION["siret"]),
    # Training place (workshop, etc.) when it is not the training establishment itself.
    "lieu_formation_uai": env("TDB_LIEU_FORMATION_UAI", ""),
    "lieu_formation_siret": env("TDB_LIEU_FORMATION_SIRET", ""),
    "lieu_formation_adresse": env("TDB_LIEU_FORMATION_ADRESSE", ""),
    "lieu_formation_code_postal": env("TDB_LIEU_FORMATION_CODE_POSTAL", ""),
    # SIFA nomenclature: 01 CFA public (Éducation nationale) … 09 CFA associatif, 10 autre CFA privé.
    "type_cfa": env("TDB_TYPE_CFA", ""),
    # The disability referent of the training: the OF's (REFERENT_HANDICAP above).
    "referent_handicap_nom": REFERENT_HANDICAP["last_name"],
    "referent_handicap_prenom": REFERENT_HANDICAP["first_name"],
    "referent_handicap_email": REFERENT_HANDICAP["email"],
}
# The dashboard counts a learner who has had no contract since entering training as a dropout
# (« abandon ») from this many days after the entry (flux-retour-cfas, effectif_status.builder.ts,
# 20/08/2026): its own parameter, not a law; follow the dashboard if it changes it.
TDB_DROPOUT_WITHOUT_CONTRACT_DAYS = int(env("TDB_DROPOUT_WITHOUT_CONTRACT_DAYS", "90"))
# --- end of the Tableau de bord settings -----------------------------------------------------------

# --- Admissions: the public application page (issue 13 §1) -------------------------------------------
# Reverse proxies in front of the application (TLS terminator, load balancer): with N > 0 the
# client's address is read from X-Forwarded-For, N entries from the right (``client_ip``). Leave 0
# when gunicorn faces the clients: the header could then be forged.
TRUSTED_PROXIES = int(env("TRUSTED_PROXIES", "0"))

# Sign-in of the training sessions (issue 19 §2): the code shown to the room changes every
# SIGNIN_CODE_STEP_SECONDS (a code is accepted in its step and the next); a code older than that,
# within the lookback, is said "expired" rather than "unknown". An apprentice who types wrong codes
# SIGNIN_MAX_FAILURES times in SIGNIN_FAILURE_WINDOW_SECONDS waits until the window ends.
SIGNIN_CODE_STEP_SECONDS = int(env("SIGNIN_CODE_STEP_SECONDS", "30"))
SIGNIN_CODE_LOOKBACK_STEPS = 12 * 60 * 60 // SIGNIN_CODE_STEP_SECONDS
SIGNIN_MAX_FAILURES = int(env("SIGNIN_MAX_FAILURES", "10"))
SIGNIN_FAILURE_WINDOW_SECONDS = int(env("SIGNIN_FAILURE_WINDOW_SECONDS", "600"))

# Anti-abuse limits, counted from the stored applications over a sliding window: at most this many
# applications per e-mail address and per client IP address (a school's shared connection needs a
# higher figure than one person's address).
ADMISSIONS_MAX_PER_EMAIL = int(env("ADMISSIONS_MAX_PER_EMAIL", "3"))
ADMISSIONS_MAX_PER_IP = int(env("ADMISSIONS_MAX_PER_IP", "10"))
ADMISSIONS_WINDOW_HOURS = int(env("ADMISSIONS_WINDOW_HOURS", "24"))
# Largest CV accepted (megabytes); the file must be a readable PDF (checked on its content).
ADMISSIONS_CV_MAX_MB = int(env("ADMISSIONS_CV_MAX_MB", "5"))
# Minimum age on 31 December of the year of application: an apprenticeship contract can be signed
# from 15 (16, or 15 having finished collège — Code du travail L6222-1) [check].
ADMISSIONS_MIN_AGE = int(env("ADMISSIONS_MIN_AGE", "15"))

# --- History of changes (issue 13 §4, django-auditlog) -------------------------------------------------
# Which models are logged and how their personal fields are masked: ``alternance/history/registry.py``.
# Changes are stored as JSON (typed values: booleans, numbers, choice codes) and rendered in French by
# ``alternance.history.selectors``.
AUDITLOG_STORE_JSON_CHANGES = True
# The IP address of whoever made the change is not kept (data minimisation; behind the proxy the
# header would be the client's word anyway).
AUDITLOG_DISABLE_REMOTE_ADDR = True

# Oldest age at the entry into training for a new apprentice record: an apprenticeship may start
# up to 29 years old; beyond, only with an RQTH, a business creation/takeover project or as a top
# athlete (Code du travail L6222-1 and L6222-2; the same limit as the contract pre-flight check) [check].
APPRENTICE_MAX_AGE = int(env("APPRENTICE_MAX_AGE", "29"))

# --- Content-Security-Policy (issue 17 §11, django-csp 4) -----------------------------------------------
# Every environment sends the same strict policy, so that the browser tests see what production does.
# Only this site's own files may run or style the page: no inline <script>, no style="" nor <style>,
# no eval (htmx runs with allowEval off, see templates/base.html). Behaviour lives in static/js/*.js
# (parameters in data-* attributes), looks in static/css/app.css. data: images: Bootstrap draws its
# icons (select arrows, check marks, menu toggler) as data: SVGs in its CSS, and the favicon is one.
INSTALLED_APPS += ["csp"]
# django-csp's middleware, with PDFs viewable in the browser (see alternance/middleware.py).
MIDDLEWARE += ["alternance.middleware.ContentSecurityPolicyMiddleware"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Where browsers report violations (an external collector), if the OF runs one; none by default.
if env("CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [env("CSP_REPORT_URI")]
# --- end of the Content-Security-Policy settings -----------------------------------------------------------

# --- GDPR: retention periods (issue 17 §8; README « RGPD : accès et anonymisation ») ------------------
# Years the records of an apprentice are kept after the end of their relationship with the OF (end
# of cohort, of the last contract, or exclusion), then anonymised by the nightly task. 5 years: the
# CNIL's référentiel for the management of learners by training organisations (fin de la formation
# + durée de la prescription) and the funders' audit period [à vérifier].
GDPR_APPRENTICE_RETENTION_YEARS = int(env("GDPR_APPRENTICE_RETENTION_YEARS", "5"))
# Years the records of a company contact are kept after the last relationship (interaction, contract
# supervised, company's last contract): 3 years, the CNIL's référentiel « gestion commerciale »
# (3 ans à compter de la fin de la relation ou du dernier contact) [à vérifier].
GDPR_CONTACT_RETENTION_YEARS = int(env("GDPR_CONTACT_RETENTION_YEARS", "3"))

# --- Login: throttling and second factor (issue 17 §9) ---------------------------------------------
# django-axes counts the failed logins per account (the e-mail typed) and per client address, each
# against its own limit over a sliding window; beyond it the login page answers 429 with the time
# to try again. The address limit is higher: a training centre's or a company's shared connection
# carries many people. A lock ends by itself after the cool-off; a superuser lifts it sooner with
# « manage.py axes_reset_username <e-mail> » (README).
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp"]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", *AUTHENTICATION_BACKENDS]
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, "django_otp.middleware.OTPMiddleware")
# After the messages middleware: the second factor's redirects carry a message.
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1, "alternance.accounts.middleware.SecondFactorMiddleware")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # axes asks to be last
LOGIN_FAILURE_LIMIT_PER_ACCOUNT = int(env("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", "5"))
LOGIN_FAILURE_LIMIT_PER_ADDRESS = int(env("LOGIN_FAILURE_LIMIT_PER_ADDRESS", "30"))
LOGIN_COOLOFF_MINUTES = int(env("LOGIN_COOLOFF_MINUTES", "15"))
AXES_FAILURE_LIMIT = "alternance.accounts.throttle.failure_limit"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # order read by alternance.accounts.throttle
AXES_HANDLER = "alternance.accounts.throttle.AccountAndAddressHandler"
AXES_COOLOFF_TIME = "alternance.accounts.throttle.cool_off"
AXES_USERNAME_CALLABLE = "alternance.accounts.throttle.typed_email"
AXES_CLIENT_IP_CALLABLE = "alternance.accounts.throttle.client_address"
AXES_LOCKOUT_CALLABLE = "alternance.accounts.throttle.lockout_response"
# Tries made while locked out are not counted: the time shown to wait stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True  # who logged in when is not kept (data minimisation): only the failures
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "otp_token", "token"]
# Password reset: at most this many e-mails per address per hour (more requests get the same page
# and no e-mail: the page never tells whether an account exists), and this many requests per client
# address per hour (beyond, a French message asks to wait).
PASSWORD_RESET_MAX_PER_EMAIL = int(env("PASSWORD_RESET_MAX_PER_EMAIL", "3"))
PASSWORD_RESET_MAX_PER_ADDRESS = int(env("PASSWORD_RESET_MAX_PER_ADDRESS", "20"))
# Second factor (TOTP, django-otp): the issuer shown in the authenticator application.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", ORGANISATION["name"])
