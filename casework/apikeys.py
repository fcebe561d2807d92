"""Interface keys (接口密钥) for the Open311 POSTs of another system (the 12345 platform,
a 311 client).

A key is made once and shown once: only its first characters (to tell keys apart in
the admin) and the SHA-256 digest of the whole key are stored, so a copy of the
database gives nobody a working key. A key belongs to one jurisdiction; what it posts
goes there. A revoked key (停用) is kept, for the record, and opens nothing."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import ApiKey
from departments.models import Jurisdiction

KEY_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits
PREFIX_LENGTH = 8  # what the admin shows; the other 35 characters are never stored
KEY_MAX_LENGTH = 200  # anything longer is no key of ours, and is not hashed


def key_new() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def key_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def key_prefix(raw: str) -> str:
    return raw[:PREFIX_LENGTH]


def key_assign(key: ApiKey) -> str:
    """Give ``key`` (not yet saved) a new secret: its prefix and digest are set, and the
    whole key is returned, to be shown once and never again."""
    raw = key_new()
    key.prefix = key_prefix(raw)
    key.digest = key_digest(raw)
    return raw


def key_make(*, jurisdiction: Jurisdiction, name: str, by=None) -> tuple[ApiKey, str]:
    """A new key for ``name`` (the system that will use it) in ``jurisdiction``: the
    stored row and the whole key."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写使用方")}, code="required")
    key = ApiKey(jurisdiction=jurisdiction, name=name, created_by=by)
    raw = key_assign(key)
    key.full_clean(exclude=["jurisdiction", "created_by", "prefix", "digest"])
    key.save()
    return key, raw


def key_match(raw: str) -> ApiKey | None:
    """The key whose secret ``raw`` is, revoked or not; None when there is none.

    The prefix picks the candidates and the digests are compared in constant time, so
    the time an answer takes says nothing about how close a guess was."""
    raw = (raw or "").strip()
    if not raw or len(raw) > KEY_MAX_LENGTH:
        return None
    digest = key_digest(raw)
    for candidate in ApiKey.objects.select_related("jurisdiction").filter(prefix=key_prefix(raw)):
        if hmac.compare_digest(candidate.digest, digest):
            return candidate
    return None


def key_active(raw: str) -> ApiKey | None:
    """The key whose secret ``raw`` is, when it may be used: not revoked, and its
    jurisdiction in use."""
    found = key_match(raw)
    if found is None or found.revoked_at is not None or not found.jurisdiction.is_active:
        return None
    return found


def key_used(key: ApiKey) -> None:
    """Note that ``key`` was just used (the admin shows when each key was last used)."""
    key.last_used_at = timezone.now()
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=key.last_used_at)


def keys_revoke(keys: QuerySet[ApiKey]) -> int:
    """停用: the keys open nothing from now on. A key revoked earlier keeps its time."""
    return keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
