#!/usr/bin/env python3
"""Vendor the browser libraries the project serves itself: no page loads anything from a CDN.

For each pinned package this downloads the npm registry's tarball of exactly that
version, checks it against the registry's published integrity (``dist.integrity``,
sha512), and extracts only the files the pages need, with the licence files, into
``static/vendor/<name>/`` (git-ignored). A file already in place with the pinned
SHA-256 is left alone, so a second run does nothing and needs no network.

Offline machines: download the tarball elsewhere and point
``LIANGBANG_ECHARTS_TARBALL`` at it; it is checked exactly like a download.

Standard library only: ``scripts/setup.sh`` runs it with the virtualenv's Python.
Usage: ``python scripts/vendor_assets.py [--check]`` (``--check`` only verifies).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "static" / "vendor"


@dataclass(frozen=True)
class Asset:
    name: str
    version: str
    integrity: str  # the npm registry's dist.integrity of the tarball
    files: Mapping[str, tuple[str, str]]  # member in the tarball -> (file name, its SHA-256)
    env_tarball: str  # environment variable naming a local copy of the tarball

    @property
    def url(self) -> str:
        return f"https://registry.npmjs.org/{self.name}/-/{self.name}-{self.version}.tgz"

    @property
    def target(self) -> Path:
        return VENDOR_DIR / self.name


# The integrity is `npm view echarts@5.6.0 dist.integrity`. To upgrade, change the version
# and the integrity; the run then stops at each file's SHA-256, naming the new one to pin.
ECHARTS = Asset(
    name="echarts",
    version="5.6.0",
    integrity="sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA==",
    files={
        "package/dist/echarts.min.js": ("echarts.min.js", "bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1"),
        "package/LICENSE": ("LICENSE", "634293835b43a6dd2094fa39182a3d9a6b9ca43b7fdb9ac354e8037af2a3093a"),
        "package/NOTICE": ("NOTICE", "fa99ac3af859d0e13166906dc53a73ad34a08898da7e8ae83407275496e9e30c"),
        "package/licenses/LICENSE-d3": ("LICENSE-d3", "e1211892da0b0e0585b7aebe8f98c1274fba15bafe47fa1f4ee8a7a502c06304"),
    },
    env_tarball="LIANGBANG_ECHARTS_TARBALL",
)
ASSETS = (ECHARTS,)


class AssetError(Exception):
    """The asset could not be fetched or did not match its pinned hashes."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_in_place(asset: Asset) -> bool:
    """Every file of the asset is there with its pinned content."""
    for _member, (name, expected) in asset.files.items():
        path = asset.target / name
        if not path.is_file() or sha256_of(path) != expected:
            return False
    return True


def check_integrity(data: bytes, integrity: str) -> None:
    """Subresource-integrity style ``<algorithm>-<base64 digest>``, as npm publishes it."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in ("sha512", "sha384", "sha256"):
        raise AssetError(f"unsupported integrity algorithm {algorithm!r}")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise AssetError(f"integrity mismatch: expected {algorithm}-{expected}, got {algorithm}-{actual}")


def fetch(url: str, *, attempts: int = 3, timeout: float = 60) -> bytes:
    last: Exception | None = None
    for attempt in range(1, attempts + 1):
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "liangbang-setup"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = exc
            if attempt < attempts:
                time.sleep(2 * attempt)
    raise AssetError(f"could not download {url}: {last}")


def tarball_of(asset: Asset) -> bytes:
    local = os.environ.get(asset.env_tarball, "").strip()
    if local:
        try:
            return Path(local).read_bytes()
        except OSError as exc:
            raise AssetError(f"{asset.env_tarball}={local}: {exc}") from exc
    return fetch(asset.url)


def extract(asset: Asset, data: bytes) -> None:
    """Write only the listed members, each checked against its pinned SHA-256, each
    replaced atomically so that a page never sees half a file."""
    check_integrity(data, asset.integrity)
    contents: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member, (name, expected) in asset.files.items():
            try:
                info = archive.getmember(member)
            except KeyError as exc:
                raise AssetError(f"{member} is not in the {asset.name} {asset.version} tarball") from exc
            handle = archive.extractfile(info) if info.isfile() else None
            if handle is None:
                raise AssetError(f"{member} is not a regular file")
            content = handle.read()
            actual = hashlib.sha256(content).hexdigest()
            if actual != expected:
                raise AssetError(f"{member}: expected SHA-256 {expected}, got {actual}")
            contents[name] = content
    asset.target.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        temporary = asset.target / f".{name}.partial"
        temporary.write_bytes(content)
        os.replace(temporary, asset.target / name)


def ensure(asset: Asset) -> bool:
    """Put the asset in place; ``True`` if anything was written."""
    if is_in_place(asset):
        return False
    where = asset.target.relative_to(ROOT) if asset.target.is_relative_to(ROOT) else asset.target
    print(f"setup: vendoring {asset.name} {asset.version} into {where}", flush=True)
    extract(asset, tarball_of(asset))
    if not is_in_place(asset):
        raise AssetError(f"{asset.name} {asset.version} is still not in place after extraction")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify; exit 1 if an asset is missing")
    args = parser.parse_args(argv)
    status = 0
    for asset in ASSETS:
        try:
            if args.check:
                if not is_in_place(asset):
                    print(f"vendor: {asset.name} {asset.version} is missing or changed", file=sys.stderr)
                    status = 1
                continue
            ensure(asset)
        except AssetError as exc:
            print(
                f"vendor: {asset.name} {asset.version}: {exc}\n"
                f"  Without internet, download {asset.url} elsewhere and set {asset.env_tarball}=/path/to/it.",
                file=sys.stderr,
            )
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
