"""Settings shared by every environment. Values come from the environment,
each with a working default for a newcomer's machine."""

from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config.env import SQLITE_OPTIONS, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("LIANGBANG_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-local-development-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "import_export",
    "simple_history",
    "django_celery_beat",
    "csp",
    "axes",
    "departments",
    "ratings",
    "assessment",
    "boards",
    "dashboard",
    "manual",
    "workdays",
    "notifications",
    "reviews",
    "casework",
    "evaluations",
    "desk",
    "config.accounts",
]

MIDDLEWARE = [
    # The security headers come first so that every response has them, static files too.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.security.PermissionsPolicyMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "boards.middleware.KeptPageMiddleware",  # published pages answered before: from their snapshot
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.dbbusy.DatabaseBusyMiddleware",  # "database is locked": a 503 page, not a 500
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env_str("LIANGBANG_SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        "OPTIONS": dict(SQLITE_OPTIONS),  # writers take turns, readers never wait (config/env.py)
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts ------------------------------------------------------------------------------------

# Django's four password validators; the admin applies them whenever a password is set
# there. The demo accounts (seed_demo) and the test factories set theirs directly.
PASSWORD_MIN_LENGTH = env_int("LIANGBANG_PASSWORD_MIN_LENGTH", 10)
if PASSWORD_MIN_LENGTH < 8:
    raise ImproperlyConfigured(f"Unexpected value LIANGBANG_PASSWORD_MIN_LENGTH={PASSWORD_MIN_LENGTH}, use 8 or more")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "config.accounts.passwords.MinimumLengthValidator",  # Django's, its message in Chinese
     "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes, config/accounts/throttle.py). A person is locked out after
# LOGIN_FAILURE_LIMIT failures with one username from one address, for LOGIN_COOLOFF_MINUTES
# after the last one: keyed by both, so that one person mistyping does not lock out a whole
# office behind one NAT address and nobody can lock a colleague out from elsewhere. An
# address failing with many usernames is locked as a whole after LOGIN_ADDRESS_FAILURE_LIMIT.
LOGIN_FAILURE_LIMIT = env_int("LIANGBANG_LOGIN_FAILURE_LIMIT", 5)
LOGIN_COOLOFF_MINUTES = env_int("LIANGBANG_LOGIN_COOLOFF_MINUTES", 15)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LIANGBANG_LOGIN_ADDRESS_FAILURE_LIMIT", 10 * LOGIN_FAILURE_LIMIT)
# Proxies in front of the web processes that append the client's address to
# X-Forwarded-For (nginx: 1). 0: the address is REMOTE_ADDR.
TRUSTED_PROXIES = env_int("LIANGBANG_TRUSTED_PROXIES", 0)
for _name, _value in (("LIANGBANG_LOGIN_FAILURE_LIMIT", LOGIN_FAILURE_LIMIT),
                      ("LIANGBANG_LOGIN_COOLOFF_MINUTES", LOGIN_COOLOFF_MINUTES),
                      ("LIANGBANG_LOGIN_ADDRESS_FAILURE_LIMIT", LOGIN_ADDRESS_FAILURE_LIMIT)):
    if _value < 1:
        raise ImproperlyConfigured(f"Unexpected value {_name}={_value}, use a whole number of at least 1")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("LIANGBANG_LOGIN_THROTTLE", True)
AXES_HANDLER = "config.accounts.throttle.LoginThrottleHandler"  # the database: SQLite and PostgreSQL
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries during a lockout neither count nor extend it, so the lockout page can say when it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "config.accounts.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.accounts.throttle.client_ip"
AXES_ENABLE_ADMIN = False  # config/accounts/admin.py shows the records to the office only
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]

# Sessions last a working day and end with the browser. The cookies are never readable by
# scripts nor sent on cross-site requests; production.py adds Secure and HSTS.
SESSION_COOKIE_AGE = env_int("LIANGBANG_SESSION_HOURS", 8) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # the admin's forms carry the token; no script reads the cookie
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"  # in Chinese, in the frame of the address

# Security headers ---------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page uses are switched off (config/security.py). The lobby screen
# asks for full screen. Only names every current browser knows: an unknown one is an error
# in the console.
PERMISSIONS_POLICY = {
    "accelerometer": [], "camera": [], "display-capture": [], "geolocation": [], "gyroscope": [],
    "magnetometer": [], "microphone": [], "midi": [], "payment": [], "usb": [],
    "fullscreen": ["self"],
}
# Content Security Policy (django-csp): everything from this site, no inline script, no
# plugin, no framing. Styles: the stylesheets are files here, but ECharts' tooltips
# (dashboard) are HTML whose markup carries style="…" attributes (the series marker, the
# default tooltip layout; see echarts.min.js, "display:inline-block;margin-right:4px;…"),
# so inline style *attributes* are allowed (style-src-attr) while <style> elements are
# not (style-src-elem); a browser that predates those two directives falls back to
# style-src, which therefore allows both.
# PDFs go without it (config/security.py): the browser shows them in a viewer of its own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "style-src-elem": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Chinese first: zh-hans is the default, English is kept complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "login"  # the product login (config.accounts.views): every role, unit staff too

# Evidence uploads (rating attachments). Only the types lib.uploads can check by
# content are accepted, whatever this list says.
# Casework (问题交办): what a reporter may attach, and how often one address may report.
CASEWORK_EXTENSIONS = env_list(
    "LIANGBANG_CASEWORK_EXTENSIONS", ["jpg", "jpeg", "png", "mp4", "mov", "m4a", "mp3", "amr", "aac", "wav", "pdf"]
)
CASEWORK_PHOTO_MAX_BYTES = env_int("LIANGBANG_CASEWORK_PHOTO_MAX_BYTES", 10 * 1024 * 1024)
CASEWORK_MEDIA_MAX_BYTES = env_int("LIANGBANG_CASEWORK_MEDIA_MAX_BYTES", 50 * 1024 * 1024)
CASEWORK_MAX_FILES = env_int("LIANGBANG_CASEWORK_MAX_FILES", 6)
CASEWORK_REPORTS_PER_HOUR = env_int("LIANGBANG_CASEWORK_REPORTS_PER_HOUR", 5)
CASEWORK_LOOKUPS_PER_HOUR = env_int("LIANGBANG_CASEWORK_LOOKUPS_PER_HOUR", 60)
# Evaluations (评议): how often an evaluator whose sheet is not in is reminded, and the
# pictures a unit may put beside its highlights.
EVALUATIONS_REMIND_EVERY_DAYS = env_int("LIANGBANG_EVALUATIONS_REMIND_EVERY_DAYS", 3)
EVALUATIONS_PICTURES_MAX = env_int("LIANGBANG_EVALUATIONS_PICTURES_MAX", 3)
EVALUATIONS_PICTURE_MAX_BYTES = env_int("LIANGBANG_EVALUATIONS_PICTURE_MAX_BYTES", 5 * 1024 * 1024)
# The public survey: responses one address may send in an hour.
SURVEY_RESPONSES_PER_HOUR = env_int("LIANGBANG_SURVEY_RESPONSES_PER_HOUR", 20)
# Where the counts of requests per address live (lib/throttle.py); production shares Redis.
THROTTLE_CACHE_ALIAS = env_str("LIANGBANG_THROTTLE_CACHE", "default")

EVIDENCE_MAX_BYTES = env_int("LIANGBANG_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_EXTENSIONS = env_list(
    "LIANGBANG_EVIDENCE_EXTENSIONS",
    ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "txt", "ofd"],
)
IMPORT_MAX_BYTES = env_int("LIANGBANG_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# Data rows in one import file (header not counted). A district rates some 40 units a
# month and a province lists about 10,000 organisations; the largest file is a year of
# 12345 work orders (Gaochun 2021: 43,199). A longer file is refused while it is read.
IMPORT_MAX_ROWS = env_int("LIANGBANG_IMPORT_MAX_ROWS", 60_000)
# Cells (and distinct texts) in one workbook's sheet: what bounds the time a workbook
# takes to read (about a second per 150,000 cells on a 2-core machine), whatever its rows hold:
# 60,000 rows of 25 columns (a 12345 platform's export). Raise it for wider files, and the
# read takes longer.
IMPORT_MAX_CELLS = env_int("LIANGBANG_IMPORT_MAX_CELLS", 1_500_000)

# Celery: in-process by default so that nothing else has to run.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Notifications: the address the links in mails start with, the channels a notification
# goes out on (e-mail first), and how many times a failed send is retried.
LIANGBANG_SITE_URL = env_str("LIANGBANG_SITE_URL", "http://127.0.0.1:8000")
LIANGBANG_NOTIFICATION_CHANNELS = env_list("LIANGBANG_NOTIFICATION_CHANNELS", ["email"])
LIANGBANG_NOTIFICATION_MAX_RETRIES = env_int("LIANGBANG_NOTIFICATION_MAX_RETRIES", 5)

# The public boards (boards app). Editions are documents in one language, whatever
# the reader's interface language; the root URL serves the default jurisdiction
# (empty: the first active one), the others live under /j/<code>/.
BOARD_LANGUAGE = "zh-hans"
BOARD_DEFAULT_JURISDICTION = env_str("LIANGBANG_BOARD_JURISDICTION", "")
BOARD_CACHE_MAX_AGE = env_int("LIANGBANG_BOARD_CACHE_SECONDS", 300)  # stored pages, PDFs, open data
BOARD_PAGE_MAX_AGE = env_int("LIANGBANG_BOARD_PAGE_SECONDS", 60)  # archive, unit pages
# Responses built from stored pages are kept in this cache (0 turns it off). With a
# per-process cache another process shows a new edition within this many seconds.
BOARD_CACHE_ALIAS = env_str("LIANGBANG_BOARD_CACHE", "default")
BOARD_SNAPSHOT_CACHE_SECONDS = env_int("LIANGBANG_BOARD_SNAPSHOT_SECONDS", 30)
BOARD_LOBBY_ROWS = env_int("LIANGBANG_LOBBY_ROWS", 6)  # rows on one page of the lobby screen
BOARD_LOBBY_SECONDS = env_int("LIANGBANG_LOBBY_SECONDS", 15)  # how long each page stays
BOARD_LOBBY_POLL_SECONDS = env_int("LIANGBANG_LOBBY_POLL_SECONDS", 60)  # how often it looks for a new edition

# The leaders' dashboard keeps what it shows of closed months in this cache (0 turns it off);
# reopening a month, or closing it again, makes a new key.
DASHBOARD_CACHE_SECONDS = env_int("LIANGBANG_DASHBOARD_CACHE_SECONDS", 3600)
DASHBOARD_CACHE_ALIAS = env_str("LIANGBANG_DASHBOARD_CACHE", "default")

# django-import-export: all or nothing, inside a transaction.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}

