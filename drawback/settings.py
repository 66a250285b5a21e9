"""Settings. Every value that differs between machines comes from the environment (README lists them)."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from drawback.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# No fallback outside DEBUG: a missing key would sign sessions, password resets and CSRF tokens with a value
# anyone can read in this file. `make run`/`make test` give a development key (Makefile, tests/settings.py).
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'), or DEBUG=1 for local development only."
        )
    SECRET_KEY = "debug-only-insecure-key"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "drawback.accounts",
    "imports",
    "exports",
    "claims",
    "reviews",
    "dashboards",
    "drawback.prospects",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it throttles failed log-ins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "drawback.urls"
WSGI_APPLICATION = "drawback.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), BASE_DIR)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A cache shared by every web process and worker (Redis in production): throttling counts, the "check CBP
# now" rate limit and cached pages hold across processes. Without CACHE_URL, each process keeps its own.
CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, refusing a password that failed too often across usernames (password spraying).
    "drawback.accounts.security.SprayGuardBackend",
]
LOGIN_SAME_PASSWORD_LIMIT = env_int("LOGIN_SAME_PASSWORD_LIMIT", 10)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Log-in throttling: lock a username+address pair after AXES_FAILURE_LIMIT failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve static files from their source folders when they have not been collected (e.g. `runserver`).
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# Documents go through Django's storage API: local disk by default, any S3-compatible store by setting
# DOCUMENT_STORAGE=s3 and the AWS_* variables (S3 data feeds use the same endpoint and credentials).
_s3 = env_str("DOCUMENT_STORAGE", "local") == "s3"
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL")
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME")
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID")
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": AWS_STORAGE_BUCKET_NAME,
                "endpoint_url": AWS_S3_ENDPOINT_URL or None,
                "region_name": AWS_S3_REGION_NAME or None,
                "access_key": AWS_ACCESS_KEY_ID or None,
                "secret_key": AWS_SECRET_ACCESS_KEY or None,
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if _s3
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 25 * 1024 * 1024)
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 512 * 1024 * 1024)
# What one data file may make us hold (imports.ingest.reader.Limits): rows read (blank ones too), characters
# in a cell, the uncompressed size of an XLSX workbook; rejected rows stored per upload (the rest are
# counted); tries of an upload whose worker died before it is marked failed.
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 2_000_000)
UPLOAD_MAX_CELL_CHARS = env_int("UPLOAD_MAX_CELL_CHARS", 32_767)
UPLOAD_XLSX_MAX_MB = env_int("UPLOAD_XLSX_MAX_MB", 2048)
UPLOAD_MAX_ERROR_ROWS = env_int("UPLOAD_MAX_ERROR_ROWS", 1000)
UPLOAD_MAX_ATTEMPTS = env_int("UPLOAD_MAX_ATTEMPTS", 3)
# Dates in data files must fall from 1 January this many years back to this many days ahead.
DATA_DATE_YEARS_BACK = env_int("DATA_DATE_YEARS_BACK", 15)
DATA_DATE_DAYS_AHEAD = env_int("DATA_DATE_DAYS_AHEAD", 366)
# A client's money-at-risk report is kept this long in the cache (it is computed afresh whenever the data it
# rests on changes anyway).
MONEY_AT_RISK_CACHE_SECONDS = env_int("MONEY_AT_RISK_CACHE_SECONDS", 24 * 3600)
# Data feeds (imports.feeds): a folder feed reads below FEED_FOLDER_ROOT/<client code>/, an S3 feed below
# FEED_S3_PREFIX<client code>/ in FEED_S3_BUCKET (the storage's bucket unless set).
FEED_FOLDER_ROOT = Path(env_str("FEED_FOLDER_ROOT", str(BASE_DIR / "var" / "feeds")))
FEED_S3_BUCKET = env_str("FEED_S3_BUCKET") or AWS_STORAGE_BUCKET_NAME
FEED_S3_PREFIX = env_str("FEED_S3_PREFIX", "feeds/")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "drawback@localhost")

# Celery: without CELERY_BROKER_URL tasks run inline (eager), so `make run` needs no server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://localhost/")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = not env_str("CELERY_BROKER_URL")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies mid-way is delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 3600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 3900)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

REST_FRAMEWORK = {
    # Token first: an unauthenticated API call then gets 401 with `WWW-Authenticate: Token`, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "drawback.accounts.security.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Endpoints that cost seconds of database or solver time (drawback.api.ExpensiveRateThrottle), and
    # the token exchange (a password guess each), per user or address, counted in the shared cache.
    "DEFAULT_THROTTLE_RATES": {
        "expensive": env_str("API_THROTTLE_EXPENSIVE", "60/hour"),
        "login": env_str("API_THROTTLE_LOGIN", "10/minute"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Drawback API",
    "DESCRIPTION": "Import entries, exports, uploads and findings of a drawback service provider's clients.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "claims.models.Claim.Status",
        "ClaimBuildStatusEnum": "claims.models.ClaimBuild.Status",
        "DesignationMethodEnum": "imports.models.ImportLine.Method",
        "UploadStatusEnum": "imports.models.Upload.Status",
        "UploadKindEnum": "imports.models.Upload.Kind",
        "CbpNoticeKindEnum": "claims.cbp.models.CbpNotice.Kind",
        "CbpNoticeStatusEnum": "claims.cbp.models.CbpNotice.Status",
    },
}

# Risk assessment: a recorded duty differing from the tariff rate by more than max(USD, percent) is flagged;
# import lines whose 5-year period closes within the warning days are flagged.
RISK_DUTY_TOLERANCE_USD = env_str("RISK_DUTY_TOLERANCE_USD", "1.00")
RISK_DUTY_TOLERANCE_PERCENT = env_str("RISK_DUTY_TOLERANCE_PERCENT", "1")
RISK_EXPIRY_WARNING_DAYS = env_int("RISK_EXPIRY_WARNING_DAYS", 90)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Tasks run inline without a broker; their one-line success log would flood the console.
        "celery.app.trace": {"level": "INFO" if env_str("CELERY_BROKER_URL") else "WARNING"},
        # WeasyPrint narrates every step of a PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)

# HTTPS in production (README: production security settings). Behind a proxy that ends TLS, set
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO so Django knows the request came in over HTTPS.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = (
    (env_str("SECURE_PROXY_SSL_HEADER"), "https") if env_str("SECURE_PROXY_SSL_HEADER") else None
)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, images and connections from this site only; no
# inline script (style attributes are allowed: Swagger UI and a few templates set them); never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# CBP gateway (claims/cbp): `sandbox` behaves like CBP on a clock (for the demo and tests); `files` writes
# each transmission to CBP_OUTBOX and reads CBP response files a service provider drops in CBP_INBOX.
CBP_GATEWAY = env_str("CBP_GATEWAY", "sandbox")
CBP_OUTBOX = Path(env_str("CBP_OUTBOX", str(BASE_DIR / "var" / "cbp" / "outbox")))
CBP_INBOX = Path(env_str("CBP_INBOX", str(BASE_DIR / "var" / "cbp" / "inbox")))
# Sandbox time runs this many times faster than real time from each transmission (86400 = a day a second).
CBP_SANDBOX_SPEED = env_str("CBP_SANDBOX_SPEED", "1")
CBP_POLL_MINUTES = env_int("CBP_POLL_MINUTES", 15)
# "Check CBP now" polls the asking firm's claims at most once in this many seconds.
CBP_POLL_NOW_SECONDS = env_int("CBP_POLL_NOW_SECONDS", 60)
# Beat schedule kept in settings so the interval comes from the environment; django_celery_beat's
# DatabaseScheduler copies it into its PeriodicTask table when beat starts.
# An upload PROCESSING with no progress for this long lost its worker and is processed again.
UPLOAD_STALL_MINUTES = env_int("UPLOAD_STALL_MINUTES", 10)
CELERY_BEAT_SCHEDULE = {
    "cbp-poll-open-claims": {
        "task": "claims.cbp.tasks.cbp_poll_open_claims",
        "schedule": CBP_POLL_MINUTES * 60.0,
    },
    "uploads-resume-stalled": {
        "task": "imports.tasks.upload_resume_stalled",
        "schedule": 5 * 60.0,
    },
    # Each feed has its own schedule; this only looks for the ones that are due.
    "feeds-poll-due": {
        "task": "imports.tasks.feeds_poll_due",
        "schedule": 60.0,
    },
}
# Filing: the ABI batch header (A-record) of CATAIR claim files, and the paper of the claim summary PDF.
CATAIR_SITE_CODE = env_str("CATAIR_SITE_CODE")  # blank: the claim's drawback port
CATAIR_SENDER_ID = env_str("CATAIR_SENDER_ID")  # blank: the firm's filer code
CATAIR_PASSWORD = env_str("CATAIR_PASSWORD")
CATAIR_OFFICE_CODE = env_str("CATAIR_OFFICE_CODE")
CLAIM_SUMMARY_PAPER = env_str("CLAIM_SUMMARY_PAPER", "Letter")  # Letter or A4
# Client portal: warnings ahead of a privilege's expiry and when the accelerated payment bond runs short,
# the dashboard digest, and the address links in e-mails point to.
PRIVILEGE_WARNING_DAYS = env_int("PRIVILEGE_WARNING_DAYS", 90)
BOND_HEADROOM_WARNING_PERCENT = env_int("BOND_HEADROOM_WARNING_PERCENT", 20)
DIGEST_DEFAULT_FREQUENCY = env_str("DIGEST_DEFAULT_FREQUENCY", "monthly")  # weekly, monthly or never
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "PrivilegeKindEnum": "drawback.accounts.models.Privilege.Kind",
        "PrivilegeStatusEnum": "drawback.accounts.models.Privilege.Status",
        "ProjectedPaymentKindEnum": "claims.projection.method.PAYMENT_KINDS",
    }
)
# Their beat jobs (UTC): the optimizer's estimates per client nightly, the privilege check and the digests
# each morning (a digest goes out once per contact and period, so the daily run sends each week's or
# month's once), and each client's projection snapshot on the first of the month.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE.update(
    {
        "client-estimates-refresh": {
            "task": "claims.projection.tasks.client_estimates_refresh",
            "schedule": crontab(hour=2, minute=30),
        },
        "projection-snapshots-take": {
            "task": "claims.projection.tasks.projection_snapshots_take",
            "schedule": crontab(day_of_month=1, hour=4, minute=0),
        },
        "privileges-check-daily": {
            "task": "claims.privileges.tasks.privileges_check_daily",
            "schedule": crontab(hour=6, minute=0),
        },
        "dashboard-digests-send": {
            "task": "dashboards.tasks.digests_send",
            "schedule": crontab(hour=7, minute=0),
        },
    }
)

# Public site and prospects (drawback/prospects): the firm public submissions go to (blank: the first firm),
# posts allowed per address and hour on public forms (all of them; questionnaires and assessments started;
# e-mails sent), the header holding the visitor's address behind a proxy (blank: REMOTE_ADDR), how long
# resume links and invitations stay valid, and after how many days without activity an unconverted
# prospect's files and workspace data are deleted (a beat job, daily).
PROSPECTS_FIRM_FILER_CODE = env_str("PROSPECTS_FIRM_FILER_CODE")
PUBLIC_POSTS_PER_HOUR = env_int("PUBLIC_POSTS_PER_HOUR", 120)
PUBLIC_SUBMISSIONS_PER_HOUR = env_int("PUBLIC_SUBMISSIONS_PER_HOUR", 10)
PUBLIC_EMAILS_PER_HOUR = env_int("PUBLIC_EMAILS_PER_HOUR", 5)
PUBLIC_CLIENT_IP_HEADER = env_str("PUBLIC_CLIENT_IP_HEADER")
PROSPECT_RESUME_LINK_DAYS = env_int("PROSPECT_RESUME_LINK_DAYS", 14)
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)
PROSPECT_RETENTION_DAYS = env_int("PROSPECT_RETENTION_DAYS", 180)
CELERY_BEAT_SCHEDULE["prospects-retention"] = {
    "task": "drawback.prospects.tasks.prospects_retention_purge",
    "schedule": 24 * 3600.0,
}
