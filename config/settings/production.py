"""Production: PostgreSQL, Redis, Celery workers and beat, gunicorn behind a TLS proxy.

Everything comes from the environment (docs/deploy.md lists it). A missing or unsafe
value stops the start with ImproperlyConfigured naming the variable, rather than a site
that runs with the development secret or DEBUG on. ``python manage.py check --deploy``
reports nothing under these settings (tests/test_production.py runs it).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from config.env import database_from_url, env_bool, env_float, env_int, env_list, env_str


def required(name: str, hint: str) -> str:
    value = env_str(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} is not set: {hint}")
    return value


def checked_secret_key(name: str) -> str:
    value = required(name, "a random string of at least 50 characters, e.g. "
                           "python -c 'import secrets; print(secrets.token_urlsafe(50))'")
    # The same test as Django's security.W009, plus the development key every clone
    # shares (base.py's "insecure-local-development-key-change-me") and Django's own.
    if "insecure" in value.lower():
        raise ImproperlyConfigured(f"{name} is the development key: set a secret of your own")
    if len(value) < 50 or len(set(value)) < 5:
        raise ImproperlyConfigured(f"{name} is too weak: use at least 50 characters with at least 5 different ones")
    return value


# Django ------------------------------------------------------------------------------------

if env_bool("DJANGO_DEBUG", False):
    raise ImproperlyConfigured("DJANGO_DEBUG is on: production never shows debug pages (unset it)")
DEBUG = False
SECRET_KEY = checked_secret_key("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is not set: the site's host names, comma-separated")
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS contains '*': name the site's hosts")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

DATABASES = {
    "default": {
        **database_from_url(required("DATABASE_URL", "postgresql://USER:PASSWORD@HOST:5432/NAME")),
        "CONN_MAX_AGE": env_int("DJANGO_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
    }
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database: SQLite is for a single trial machine")

# Uploaded evidence and published editions: shared by every web and worker machine.
MEDIA_ROOT = Path(required("DJANGO_MEDIA_ROOT", "a directory every web and worker machine shares"))  # noqa: F405
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")))  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS, terminated by nginx, which sets X-Forwarded-Proto (docs/deploy.md). DJANGO_HTTPS=false
# is only for `make run-prod` on a loopback address, where there is no TLS at all.
HTTPS = env_bool("DJANGO_HTTPS", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer asks over plain HTTP
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
X_FRAME_OPTIONS = "DENY"
# nginx appends the client's address to X-Forwarded-For; login throttling counts by it.
TRUSTED_PROXIES = env_int("LIANGBANG_TRUSTED_PROXIES", 1)

# E-mail: optional (the product sends none of its own yet); with a host, errors go to ADMINS.
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", EMAIL_PORT == 465)
    # A mail server that accepts the connection and then says nothing must not hold a
    # worker for ever: the send fails after this many seconds and is retried.
    EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 20)
    DEFAULT_FROM_EMAIL = required("DJANGO_DEFAULT_FROM_EMAIL", "the sender of the site's mail, e.g. 效能办 <xnb@example.gov.cn>")
    SERVER_EMAIL = env_str("DJANGO_SERVER_EMAIL", DEFAULT_FROM_EMAIL)
    ADMINS = [("", address) for address in env_list("DJANGO_ADMINS", [])]
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"},
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"handlers": ["console", "mail_admins"], "level": "ERROR", "propagate": False}},
}

# Celery: Redis as the broker, separate worker processes --------------------------------------

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "") or required("REDIS_URL", "redis://HOST:6379/0 (or CELERY_BROKER_URL)")
if CELERY_BROKER_URL.startswith("memory://"):
    raise ImproperlyConfigured("CELERY_BROKER_URL is memory://: workers in other processes would never see a task")
# The tasks record their outcome in the database (the runs the office watches).
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when it has finished, so a worker that dies in the middle (a
# crash, an OOM kill, a machine that goes away) leaves it to be delivered again: the tasks
# are idempotent, and each writes its result in one transaction.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A message taken by a worker that vanished is delivered again after this long; it
    # must exceed the longest task (a province's roll-up or board takes well under a minute).
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 1800),
    "unacked_restore_interval": env_int("CELERY_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": 1,
}
# Queuing gives up quickly when Redis is down, and the office is told (config/queue.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Request counts for the public doors (lib/throttle.py) are shared by every web process
# through Redis; a throttle that counted per process would let N workers take N times the limit.
# The board's stored pages (boards/snapshots.py) and the dashboard's closed months
# (dashboard/cache.py) are kept in Redis too, once for every process: a publication
# reaches every worker at once, and a closed month is computed once, not once a worker.
# A cache that cannot be reached within the timeouts is passed by (lib/sharedcache.py).
_REDIS_CACHE_OPTIONS = {
    "socket_connect_timeout": env_float("LIANGBANG_CACHE_CONNECT_TIMEOUT", 0.5),
    "socket_timeout": env_float("LIANGBANG_CACHE_TIMEOUT", 1.0),
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("LIANGBANG_THROTTLE_REDIS_URL", CELERY_BROKER_URL),
        "KEY_PREFIX": "liangbang",
        "OPTIONS": _REDIS_CACHE_OPTIONS,
    },
    "shared": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("LIANGBANG_CACHE_REDIS_URL", CELERY_BROKER_URL),
        "KEY_PREFIX": "liangbang",
        "OPTIONS": _REDIS_CACHE_OPTIONS,
    },
}
THROTTLE_CACHE_ALIAS = env_str("LIANGBANG_THROTTLE_CACHE", "throttle")
BOARD_CACHE_ALIAS = env_str("LIANGBANG_BOARD_CACHE", "shared")
DASHBOARD_CACHE_ALIAS = env_str("LIANGBANG_DASHBOARD_CACHE", "shared")
