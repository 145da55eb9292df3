"""The one settings module. Every deploy-specific value comes from the environment (see README).

Two modes:
- ``DEBUG=1`` (what ``make run`` and the tests use): a development secret key, SQLite and a broker
  on the local filesystem unless ``DATABASE_URL`` / ``REDIS_URL`` say otherwise.
- production (``DEBUG`` unset): ``SECRET_KEY`` and ``ALLOWED_HOSTS`` are required and the secure
  defaults below hold, so that ``manage.py check --deploy`` reports nothing.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_optional, env_str
from config.languages import LOCALE_DIR, offered_languages

# Lets models, forms and admin classes be written as generics (ModelForm[User]) at runtime.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)

if DEBUG:
    # Only ever used with DEBUG on; check --deploy flags the prefix if it leaks into production.
    SECRET_KEY = env_str("SECRET_KEY", "django-insecure-development-only-key-do-not-deploy")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    SECRET_KEY = env_str("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "The environment variable ALLOWED_HOSTS is required when DEBUG is off."
        )
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_countries",
    "axes",
    "csp",
    # Accounts: sign-up, verified email, password reset, second factors, passkeys, sessions.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "accounts",
    "symptoms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth.usersessions' tracking of where people are signed in, written every 5 minutes.
    "accounts.middleware.SessionActivityMiddleware",
    "accounts.middleware.ProfileLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Clinicians, researchers and staff: 12 hours after sign-in the session ends, and until a
    # second factor is set up only the set-up pages open (docs/accounts.md).
    "accounts.middleware.SessionAgeMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by authenticate() into a response.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves static files from the app itself; runserver does it with DEBUG on.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", default=60, minimum=0)
        )
    }
except ValueError as error:  # dj-database-url raises ValueError on an unknown scheme
    raise ImproperlyConfigured(f"DATABASE_URL is not a usable database URL: {error}") from None
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery -------------------------------------------------------------------
REDIS_URL = env_optional("REDIS_URL")
CELERY_DATA_DIR = VAR_DIR / "celery"

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, answering as a miss while Redis is down (config/cache.py).
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mst",
        }
    }
else:
    # The embedded default shares throttle and lockout counters between web processes through
    # the database instead of each process's memory. Created by `manage.py createcachetable`.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }

CELERY_BROKER_URL = env_optional("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    # kombu's filesystem transport: a broker that needs no server, for the embedded default.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        # Without this kombu keeps its exchange tables in ./control, beside the code.
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
else:
    # Redis redelivers an unacknowledged message after the visibility timeout; tasks here are
    # short and idempotent, and nothing is scheduled with a long ETA (see docs/operations.md).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "beat-schedule")
# Creates the folder of that file on start: a fresh VAR_DIR has none (config/celery.py).
CELERY_BEAT_SCHEDULER = "config.celery:BeatScheduler"
# The beat schedule lives in code, in config/celery.py.

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out email and address pair is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Email and password for every path (pages, API token, admin); passkeys through allauth.mfa.
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# The home page ("/") of a role whose home shows another app's data; accounts renders the others.
# Wiring only: accounts names no app built on it.
ROLE_HOME_VIEWS = {
    "patient": "symptoms.reports.views.home",
    "staff": "symptoms.staff.views.home",
    "researcher": "symptoms.research.home.home",
}

# --- Accounts (django-allauth) ---------------------------------------------------------------
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.PatientSignUpForm", "login": "accounts.forms.LoginForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# Nobody signs in, accepts an invitation or redeems a code before their address is confirmed.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a mail scanner opening the link confirms nothing
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env_int("EMAIL_CONFIRMATION_DAYS", default=3, minimum=1)
# Sign-up and password reset answer, and mail, the same whether or not an account exists.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
# A password change keeps this session and ends every other one (and revokes API tokens).
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False  # the 30-minute idle timeout below always applies
ACCOUNT_EMAIL_SUBJECT_PREFIX = "MS Symptom Tracker: "
ACCOUNT_LOGOUT_REDIRECT_URL = "accounts:login"
# Sign-in, reset and verification mails per address are limited by allauth; wrong passwords are
# counted by django-axes below, on every path alike.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
ACCOUNT_EMAIL_NOTIFICATIONS = True  # "your password was changed" and the like

MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_FORMS = {
    "authenticate": "accounts.forms.SecondFactorForm",
    "add_webauthn": "accounts.forms.PasskeyAddForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "MS Symptom Tracker")
MFA_TOTP_PERIOD = 30  # seconds; what authenticator apps expect
# WebAuthn needs HTTPS; runserver on http://localhost is allowed while DEBUG is on.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Roles that must set up a second factor before they can see anything else.
SECOND_FACTOR_REQUIRED_ROLES = ("clinician", "researcher", "staff")
# Clinicians, researchers and staff sign in again after this long, however active they were.
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", default=12, minimum=1)
USERSESSIONS_TRACK_ACTIVITY = True

# Brute-force protection (django-axes): 5 failures for one email (lower-cased: every spelling
# counts together) from one address lock that pair for 15 minutes, on every sign-in path (the
# login page, the API token, the admin). Pairs keep a stranger elsewhere from locking a person
# out.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", default=15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "config.lockout.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_IPWARE_PROXY_COUNT = env_int("NUM_PROXIES", default=0, minimum=0)

# --- Input limits --------------------------------------------------------------------------
# An API request body above this gets 413; JSON nested deeper than this gets 400. A report with
# a long note is a few kilobytes; a FHIR Questionnaire import a few hundred.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", default=1_048_576, minimum=1024)
API_MAX_JSON_DEPTH = 32

# --- Sessions and cookies -------------------------------------------------------------------
# Health data: sessions end after 30 idle minutes (ASVS 7.3.1) rather than Django's two weeks.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", default=30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- HTTPS and security headers (production defaults; each can be turned off behind a proxy) --
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix pins the cookies to this exact host over HTTPS.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if env_bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Only languages whose catalogue is complete are offered (config/languages.py,
# docs/translation.md): English, then each complete locale/<code>/LC_MESSAGES/django.po.
LANGUAGES = offered_languages(LOCALE_DIR)
LOCALE_PATHS = [LOCALE_DIR]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MS Symptom Tracker <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 10
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Instruments whose rights holder must give permission first (MSWS-12, MSIS-29, BPI; see
# docs/instruments.md) are offered only once the site lists them here, e.g. "msws12,bpi".
LICENSED_INSTRUMENTS = frozenset(env_list("LICENSED_INSTRUMENTS"))

# --- Reminders (docs/reminders.md) ------------------------------------------------------------
# Channels tried in order; the first that can reach the person sends. Each is a dotted path to
# a class with the interface of symptoms.reminders.channels.Channel.
# Push comes first but reaches only people whose schedule chose it and who turned it on on a
# device, and only with VAPID keys below; everyone else gets email.
REMINDER_CHANNELS = env_list(
    "REMINDER_CHANNELS",
    default=[
        "symptoms.reminders.channels.PushChannel",
        "symptoms.reminders.channels.EmailChannel",
    ],
)
# One reminder tick claims and queues due reminders batch after batch until none is due or this
# many seconds are spent; what is left waits for the next tick. Capped at three quarters of
# REMINDER_TICK_SECONDS (config/celery.py), so a tick ends before beat starts the next.
REMINDER_DISPATCH_BUDGET_SECONDS = env_int(
    "REMINDER_DISPATCH_BUDGET_SECONDS", default=45, minimum=1
)
# How long a signed pause/stop link in a reminder email stays valid.
REMINDER_LINK_MAX_AGE_DAYS = env_int("REMINDER_LINK_MAX_AGE_DAYS", default=60, minimum=1)
# The "Answer now" one-tap link (docs/security.md): valid this many hours after sending (and
# never after the reminder's answer window closes); the form-only grant it opens lasts this
# many minutes or until the form is sent.
REMINDER_ONE_TAP_HOURS = env_int("REMINDER_ONE_TAP_HOURS", default=12, minimum=1)
REMINDER_ONE_TAP_GRANT_MINUTES = env_int("REMINDER_ONE_TAP_GRANT_MINUTES", default=60, minimum=5)
# Web push (VAPID, RFC 8292): the site's key pair as base64url, both or neither; make one with
# `manage.py push_vapid_keys`. Without keys, push is not offered and reminders go by email.
WEBPUSH_VAPID_PUBLIC_KEY = env_str("WEBPUSH_VAPID_PUBLIC_KEY", "")
WEBPUSH_VAPID_PRIVATE_KEY = env_str("WEBPUSH_VAPID_PRIVATE_KEY", "")
if bool(WEBPUSH_VAPID_PUBLIC_KEY) != bool(WEBPUSH_VAPID_PRIVATE_KEY):
    raise ImproperlyConfigured(
        "Set both WEBPUSH_VAPID_PUBLIC_KEY and WEBPUSH_VAPID_PRIVATE_KEY, or neither."
    )
# Who push services may contact about this site's messages: a mailto: or https: URL.
WEBPUSH_VAPID_SUBJECT = env_str("WEBPUSH_VAPID_SUBJECT", SITE_URL)
# The push services a subscription's endpoint may point at (scheme://host, "*." for any
# subdomain): the browsers' own. The server posts to the endpoint, so it must not be a free URL.
WEBPUSH_ENDPOINT_ORIGINS = env_list(
    "WEBPUSH_ENDPOINT_ORIGINS",
    default=[
        "https://fcm.googleapis.com",  # Chrome, Edge on Android, Samsung Internet, Opera
        "https://updates.push.services.mozilla.com",  # Firefox
        "https://web.push.apple.com",  # Safari
        "https://*.notify.windows.com",  # Edge on Windows
    ],
)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes a missing login a 401, not a 403.
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, with a size and a depth limit (config/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["config.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    # Throttling is a cost control, not a security measure (DRF's own words); brute force on
    # passwords is handled by django-axes above. These are DRF's throttles that let requests
    # through, with a warning, while Redis is down (config/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.AnonRateThrottle",
        "config.throttling.UserRateThrottle",
        "config.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "60/min"),
        "user": env_str("THROTTLE_USER", "600/min"),
        "auth": env_str("THROTTLE_AUTH", "20/min"),
        "share_redeem": env_str("THROTTLE_SHARE_REDEEM", "10/min"),
        "invite": env_str("THROTTLE_INVITE", "30/hour"),
    },
    "NUM_PROXIES": env_int("NUM_PROXIES", default=0, minimum=0) or None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("API_TOKEN_TTL_HOURS", default=24 * 30, minimum=1)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 20,
    "AUTH_HEADER_PREFIX": "Token",
}
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "EXCEPTION_HANDLER_CLASS": "config.api.ApiExceptionHandler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MS Symptom Tracker API",
    "DESCRIPTION": (
        "Self-reports of fatigue, mobility, upper-limb function, pain and cognition for people "
        "with progressive MS, shared with their clinicians on their terms. Errors follow one "
        "shape: see docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        **{
            name: f"drf_standardized_errors.openapi_serializers.{name}.choices"
            for name in (
                "ValidationErrorEnum",
                "ClientErrorEnum",
                "ServerErrorEnum",
                *(f"ErrorCode{code}Enum" for code in (401, 403, 404, 405, 406, 415, 429, 500)),
            )
        },
        "ProfileSexEnum": "accounts.models.Sex.choices",
        "MsTypeEnum": "accounts.models.MSType.choices",
        "RoleEnum": "accounts.models.Role.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
    ],
}

# --- Product rules --------------------------------------------------------------------------
SHARE_CODE_TTL_MINUTES = env_int("SHARE_CODE_TTL_MINUTES", default=15, minimum=1)
INVITE_TTL_DAYS = env_int("INVITE_TTL_DAYS", default=14, minimum=1)
# Research releases: how many complete calendar quarters a scheduled release covers, and the
# most one release may cover.
RESEARCH_RELEASE_QUARTERS = env_int("RESEARCH_RELEASE_QUARTERS", default=4, minimum=1)
RESEARCH_RELEASE_MAX_QUARTERS = 12
# A quarter is releasable once it has ended and this many days have passed, so that reports
# uploaded late (offline phones) are in it: each quarter is published once (docs/research.md).
RESEARCH_RELEASE_SETTLING_DAYS = env_int("RESEARCH_RELEASE_SETTLING_DAYS", default=14, minimum=0)
# Differentially private releases, charged to the quarters of data they measure, whenever they
# are requested (docs/research.md): the most epsilon ever spent on one quarter, and on the four
# quarters of one calendar year together (16 follows the reference's annual cap).
RESEARCH_DP_EPSILON_PER_QUARTER = env_int("RESEARCH_DP_EPSILON_PER_QUARTER", default=8, minimum=0)
RESEARCH_DP_EPSILON_PER_YEAR = env_int("RESEARCH_DP_EPSILON_PER_YEAR", default=16, minimum=0)
# The epsilon one request may spend on each quarter: below 0.1 a table is all noise, above 8 the
# noise protects little (the reference's real deployments sit between 1 and about 20 per year).
RESEARCH_DP_EPSILON_MIN = 0.1
RESEARCH_DP_EPSILON_MAX = 8.0
# An exact release and a differentially private one of the same quarter together undo the
# noise (subtract one from the other); only an operator who accepts that may allow both.
RESEARCH_ALLOW_EXACT_AND_DP = env_bool("RESEARCH_ALLOW_EXACT_AND_DP", default=False)
# A building worker renews its lease every fifth of this; a build whose lease is this old lost
# its worker and is built again (docs/reliability.md).
RESEARCH_RELEASE_LEASE_SECONDS = env_int("RESEARCH_RELEASE_LEASE_SECONDS", default=75, minimum=5)

# --- Logging: ids only, never health data (see docs/operations.md) ---------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", choices=("DEBUG", "INFO", "WARNING", "ERROR"), default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # The loggers that write request paths drop one-tap tokens from them (docs/security.md).
    "filters": {"one_tap_tokens": {"()": "config.log_redaction.RedactOneTapTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["one_tap_tokens"]},
        "django.server": {"filters": ["one_tap_tokens"]},
    },
}
