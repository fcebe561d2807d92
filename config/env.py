"""Typed helpers that read the environment once and fail loudly on nonsense."""

import os

from django.core.exceptions import ImproperlyConfigured

# SQLite as the embedded default. Writers take turns: each transaction takes the write
# lock when it begins and waits up to the timeout for it (instead of failing when a read
# turns into a write), and readers never wait for a writer (WAL). config/dbbusy.py turns
# a wait past the timeout into a clear 503.
SQLITE_OPTIONS = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL"}


def env_str(name: str, default: str) -> str:
    return os.getenv(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use true or false")


def env_int(name: str, default: int) -> int:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use an integer") from exc


def env_float(name: str, default: float) -> float:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use a number") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str, *, name: str = "DATABASE_URL") -> dict:
    """A ``DATABASES`` entry from a URL such as ``postgresql://user:pw@host:5432/db``.

    ``postgres://`` and ``postgresql://`` give PostgreSQL (psycopg 3); a socket directory
    goes in the host, percent-encoded (``postgresql://liangbang@%2Frun%2Fpostgresql/db``)
    or as ``?host=/run/postgresql``; other query parameters (``sslmode=require`` …)
    become connection options. ``sqlite:///abs/path.sqlite3`` gives SQLite.
    """
    from urllib.parse import parse_qsl, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        path = path[1:] if path.startswith("//") else path  # sqlite:////abs/path
        if not path or path == "/":
            raise ImproperlyConfigured(f"{name} names no SQLite file: use sqlite:////absolute/path.sqlite3")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "OPTIONS": dict(SQLITE_OPTIONS)}
    if parts.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(
            f"Unexpected value {name}: the scheme must be postgresql:// (or sqlite:///), not {parts.scheme or 'none'!r}"
        )
    options = dict(parse_qsl(parts.query))
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise ImproperlyConfigured(f"{name} names no database: postgresql://user:password@host:5432/DATABASE")
    try:
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"Unexpected value {name}: the port is not a number") from exc
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": options.pop("host", None) or _url_host(parts.netloc),
        "PORT": str(port or ""),
        "OPTIONS": options,
    }


def _url_host(netloc: str) -> str:
    """The host of a URL's ``user:pw@host:port``, unquoted, with its case kept
    (``urlsplit().hostname`` lowercases, and a socket directory's path keeps its case)."""
    from urllib.parse import unquote

    host = netloc.rpartition("@")[2]
    if host.startswith("["):  # IPv6: [::1]:5432
        return host[1:].partition("]")[0]
    return unquote(host.partition(":")[0])
