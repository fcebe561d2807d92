from .base import *  # noqa: F401,F403
from config.env import database_from_url, env_str

# The suite runs on SQLite by default; `make test` runs it a second time on a temporary
# PostgreSQL cluster (scripts/localstack.py), whose URL arrives here.
TEST_DATABASE_URL = env_str("LIANGBANG_TEST_DATABASE_URL", "")
if TEST_DATABASE_URL:
    DATABASES = {"default": database_from_url(TEST_DATABASE_URL, name="LIANGBANG_TEST_DATABASE_URL")}

DEBUG = False
# Login throttling is off except where a test turns it on (tests/test_login_throttle.py,
# through the settings fixture): Django's test Client.login() authenticates without a
# request, which django-axes refuses. force_login() is unaffected either way.
AXES_ENABLED = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
# Serve static files from the finders: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
