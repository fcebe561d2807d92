"""Settings shared by every environment. Values come from the environment,
each with a working default for a newcomer's machine."""

from pathlib import Path


from config.env import env_bool, env_int, env_list, env_str

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
    "departments",
    "ratings",
    "boards",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

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

LOGIN_URL = "admin:login"

# Evidence uploads (rating attachments).
EVIDENCE_MAX_BYTES = env_int("LIANGBANG_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_EXTENSIONS = env_list(
    "LIANGBANG_EVIDENCE_EXTENSIONS",
    ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "txt", "ofd"],
)
IMPORT_MAX_BYTES = env_int("LIANGBANG_IMPORT_MAX_BYTES", 20 * 1024 * 1024)

# Celery: in-process by default so that nothing else has to run.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

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

