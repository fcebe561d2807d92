"""Backups are only as good as a restore: scripts/backup.sh (pg_dump plus the media
directory) and scripts/restore.sh into a fresh database, then the product, under the
production settings, finds the ratings and opens their evidence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile

from ratings.models import Evidence, Rating
from scripts.localstack import postgres_bindir
from tests.factories import PeriodFactory, RatingFactory
from tests.integration.conftest import ROOT, integration

pytestmark = integration

RESTORED = "liangbang_restored"


@pytest.fixture
def fresh_database(database_url: str):
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:  # CREATE DATABASE needs autocommit
        conn.execute(f'DROP DATABASE IF EXISTS "{RESTORED}"')
        conn.execute(f'CREATE DATABASE "{RESTORED}"')
    yield database_url.rsplit("/", 1)[0] + f"/{RESTORED}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{RESTORED}" WITH (FORCE)')


def test_a_backup_restores_into_a_fresh_database_and_media_directory_where_the_product_finds_its_data(
    dept_a, town, media_root, stack_env, fresh_database, tmp_path: Path
):
    rating = RatingFactory(period=PeriodFactory(year=2026, month=5), department=dept_a, unit=town, kind="red_flag",
                           outcome="red_flag", reason="十二项攻坚任务提前完成", status=Rating.Status.APPROVED)
    evidence = Evidence.objects.create(rating=rating, original_name="工单.pdf",
                                       file=ContentFile(b"%PDF-1.4 12345 work order", name="work-order.pdf"))
    env = {**stack_env, "PG_BINDIR": str(postgres_bindir())}

    backup = subprocess.run(["bash", "scripts/backup.sh", str(tmp_path / "backups")], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    assert {p.name for p in Path(backup).iterdir()} == {"db.dump", "media.tar.gz", "SHA256SUMS"}

    restored = {**env, "DATABASE_URL": fresh_database, "DJANGO_MEDIA_ROOT": str(tmp_path / "restored-media")}
    subprocess.run(["bash", "scripts/restore.sh", backup], cwd=ROOT, env=restored, capture_output=True, text=True,
                   check=True)

    # The upgrade step of a restore: nothing to apply when the code is the backup's.
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT, env=restored,
                             capture_output=True, text=True)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    found = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", (
            "import json; from ratings.models import Evidence, Rating;"
            f"r = Rating.objects.select_related('unit').get(pk={rating.pk}); e = Evidence.objects.get(rating=r);"
            "print(json.dumps({'unit': r.unit.name, 'reason': r.reason, 'ratings': Rating.objects.count(),"
            " 'file': e.file.name, 'bytes': e.file.open('rb').read().decode()}))"
        )],
        cwd=ROOT, env=restored, capture_output=True, text=True, check=True,
    )
    assert json.loads(found.stdout.strip().splitlines()[-1]) == {
        "unit": "淳溪街道", "reason": "十二项攻坚任务提前完成", "ratings": 1,
        "file": evidence.file.name, "bytes": "%PDF-1.4 12345 work order",
    }


def test_a_restore_refuses_a_media_directory_that_is_not_empty(media_root, stack_env, tmp_path: Path):
    (media_root / "keep.txt").write_text("x")
    env = {**stack_env, "PG_BINDIR": str(postgres_bindir())}
    backup = subprocess.run(["bash", "scripts/backup.sh", str(tmp_path)], cwd=ROOT, env=env, capture_output=True,
                            text=True, check=True).stdout.strip()
    result = subprocess.run(["bash", "scripts/restore.sh", backup], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 1 and "not empty" in result.stderr
