"""`make run` and `manage.py` on a developer's machine: what users will see in production
(DEBUG off: the Chinese error pages, no tracebacks), unless the developer asks for the
debug pages with DJANGO_DEBUG=true."""

from .base import *  # noqa: F401,F403
from config.env import env_bool, env_list, env_str

DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
# WhiteNoise serves the static files from the source folders, as they are edited: runserver
# only serves them itself with DEBUG on, and a fresh clone has run no collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# `make run` writes each mail to a file under var/mail/, for a newcomer to read.
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"  # noqa: F405
