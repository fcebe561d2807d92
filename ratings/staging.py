"""Evidence kept across a form that came back with errors.

A rating form sent with a good file but a mistake elsewhere (no reason, a criterion of
the wrong kind) is shown again; a browser cannot refill a file input, so the file would
be lost without a word. Instead the file is kept here, under MEDIA_ROOT/evidence-staging
in a folder of the user's session, and the form carries a signed token naming it. The
token is bound to the user and the session and expires after a day; the file is checked
again by content (``ratings.forms.validate_evidence_file``) when it is finally attached,
stored under a new random name, and the staged copy is then removed. Staged files are
never served: /media/ is not served at all (docs/deploy.md), and nothing links to them.
Staged files older than a day are removed whenever a file is staged.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile

from lib import uploads

SALT = "ratings.evidence-staging"
MAX_AGE = 24 * 3600
FOLDER = "evidence-staging"
_KEY_RE = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Owner:
    """Who may use a staged file: one user in one session."""

    user_id: int | None
    session_key: str

    @classmethod
    def of(cls, request) -> Owner:
        session = getattr(request, "session", None)
        key = getattr(session, "session_key", None) or ""
        return cls(getattr(request.user, "pk", None), key)

    @property
    def area(self) -> str:
        raw = f"{self.user_id}:{self.session_key}:{settings.SECRET_KEY}".encode()
        return hashlib.sha256(raw).hexdigest()[:32]


class StagedUpload(UploadedFile):
    """A staged file, read back as if it had just been uploaded (its checked name)."""

    def __init__(self, path: Path, name: str, token: str) -> None:
        size = path.stat().st_size
        super().__init__(file=open(path, "rb"), name=name, size=size)  # noqa: SIM115 closed by the form
        self.staged_token = token


def root() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def _path(owner: Owner, key: str, ext: str) -> Path:
    return root() / owner.area / f"{key}.{ext}"


def stage(upload, *, owner: Owner, name: str) -> str:
    """Keep a checked upload for this user's session; returns its token."""
    purge()
    key = uuid.uuid4().hex
    ext = uploads.stored_extension(name)
    path = _path(owner, key, ext)
    path.parent.mkdir(parents=True, exist_ok=True)
    upload.seek(0)
    with open(path, "wb") as out:
        for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
            out.write(chunk)
    upload.seek(0)
    return signing.dumps({"k": key, "e": ext, "n": name, "u": owner.user_id, "a": owner.area}, salt=SALT)


def load(token: str, *, owner: Owner) -> StagedUpload | None:
    """The staged file a token names, if it is this owner's, not expired and still there."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != owner.user_id or data.get("a") != owner.area:
        return None
    key, ext, name = data.get("k", ""), data.get("e", ""), data.get("n", "")
    if not _KEY_RE.match(str(key)) or ext not in uploads.CHECKS and ext != "bin":
        return None
    path = _path(owner, key, ext)
    if not path.is_file():
        return None
    return StagedUpload(path, str(name), token)


def discard(token: str, *, owner: Owner) -> None:
    """Remove a staged file once it is attached (or the user removed it)."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return
    if data.get("a") == owner.area and _KEY_RE.match(str(data.get("k", ""))):
        _path(owner, data["k"], str(data.get("e", "bin"))).unlink(missing_ok=True)


def purge(now: float | None = None) -> int:
    """Remove staged files older than a day, and the empty folders; returns how many."""
    now = time.time() if now is None else now
    base = root()
    if not base.is_dir():
        return 0
    removed = 0
    for folder in base.iterdir():
        if not folder.is_dir():
            continue
        for item in folder.iterdir():
            try:
                if now - item.stat().st_mtime > MAX_AGE:
                    item.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        try:
            if now - folder.stat().st_mtime > MAX_AGE:
                os.rmdir(folder)  # only when empty (and not just made by a stage())
        except OSError:
            pass
    return removed
