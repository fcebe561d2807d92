"""ECharts is served by the project: vendored at set-up by scripts/vendor_assets.py from
the npm registry's tarball of a pinned version, checked against its published integrity.
These tests never touch the network: they build their own tarballs."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "vendor_assets.py"


def load_script():
    spec = importlib.util.spec_from_file_location("vendor_assets", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


vendor_assets = load_script()


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A pinned package 'chartlib' whose tarball is a local file."""
    script, licence = b"/*! chartlib */window.chartlib={};", b"Apache License 2.0"
    data = tarball({"package/dist/chartlib.min.js": script, "package/LICENSE": licence,
                    "package/src/huge.ts": b"not wanted"})
    path = tmp_path / "chartlib-1.0.0.tgz"
    path.write_bytes(data)
    monkeypatch.setattr(vendor_assets, "VENDOR_DIR", tmp_path / "vendor")
    monkeypatch.setenv("TEST_CHARTLIB_TARBALL", str(path))
    asset = vendor_assets.Asset(
        name="chartlib", version="1.0.0", integrity=integrity(data),
        files={
            "package/dist/chartlib.min.js": ("chartlib.min.js", hashlib.sha256(script).hexdigest()),
            "package/LICENSE": ("LICENSE", hashlib.sha256(licence).hexdigest()),
        },
        env_tarball="TEST_CHARTLIB_TARBALL",
    )
    return asset, path


def test_the_pinned_echarts_is_in_place_after_setup():
    echarts = vendor_assets.ECHARTS
    assert echarts.version == "5.6.0"
    assert echarts.integrity.startswith("sha512-")
    target = ROOT / "static" / "vendor" / "echarts"
    assert (target / "echarts.min.js").is_file(), "run scripts/setup.sh (make test does)"
    assert vendor_assets.is_in_place(echarts)
    assert (target / "LICENSE").is_file()


def test_the_vendored_files_are_not_committed():
    assert "/static/vendor/" in (ROOT / ".gitignore").read_text().splitlines()


def test_setup_runs_the_vendoring_script():
    assert ".venv/bin/python scripts/vendor_assets.py" in (ROOT / "scripts" / "setup.sh").read_text()


def test_a_matching_tarball_is_unpacked_and_a_second_run_does_nothing(fake, monkeypatch):
    asset, _path = fake
    assert vendor_assets.ensure(asset) is True
    assert sorted(p.name for p in asset.target.iterdir()) == ["LICENSE", "chartlib.min.js"]

    def no_download(_asset):
        raise AssertionError("a second run must not fetch anything")

    monkeypatch.setattr(vendor_assets, "tarball_of", no_download)
    assert vendor_assets.ensure(asset) is False


def test_a_changed_file_is_replaced_by_the_pinned_one(fake):
    asset, _path = fake
    vendor_assets.ensure(asset)
    (asset.target / "chartlib.min.js").write_text("tampered")
    assert vendor_assets.is_in_place(asset) is False
    assert vendor_assets.ensure(asset) is True
    assert (asset.target / "chartlib.min.js").read_bytes().startswith(b"/*! chartlib */")


def test_a_tarball_that_does_not_match_the_pinned_integrity_is_refused(fake):
    asset, path = fake
    path.write_bytes(tarball({"package/dist/chartlib.min.js": b"evil()", "package/LICENSE": b"x"}))
    with pytest.raises(vendor_assets.AssetError, match="integrity mismatch"):
        vendor_assets.ensure(asset)
    assert not asset.target.exists()


def test_a_missing_tarball_fails_with_a_hint_for_offline_machines(fake, monkeypatch, capsys):
    asset, path = fake
    path.unlink()
    monkeypatch.setattr(vendor_assets, "ASSETS", (asset,))
    assert vendor_assets.main([]) == 1
    assert "TEST_CHARTLIB_TARBALL" in capsys.readouterr().err


def test_check_mode_reports_a_missing_asset_without_fetching(fake, monkeypatch):
    asset, _path = fake
    vendor_assets.ensure(asset)
    monkeypatch.setattr(vendor_assets, "ASSETS", (asset,))
    monkeypatch.setattr(vendor_assets, "tarball_of", lambda _asset: pytest.fail("--check must not fetch"))
    assert vendor_assets.main(["--check"]) == 0
    (asset.target / "LICENSE").unlink()
    assert vendor_assets.main(["--check"]) == 1
