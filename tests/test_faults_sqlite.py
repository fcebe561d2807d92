"""The embedded SQLite database, briefly or too long locked.

SQLite lets one writer in at a time. With the product's settings (config/settings/base.py:
every transaction takes the write lock as it begins, waits up to a timeout for it, WAL) a
write that finds the file locked for a moment waits and then succeeds; a lock held longer
than the timeout gives the person a clear "busy, try again" page (503, Retry-After) and
writes nothing; two office staff at the same instant take turns and the second is told.

The product runs here as it does on an office's machine: ``manage.py migrate`` and the
admin under ``config.settings.local`` on a SQLite file of their own, in another process
(tests/sqlite_faults_client.py), while this test holds the file's write lock from its own
connection, as another request or a backup would.

SQLite only: what is tested is SQLite's locking. (The suite's own SQLite test database
lives in memory and cannot be locked from another process; PostgreSQL's locks are tested
in test_faults_threads.py.)
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="about the embedded SQLite default's locking; the SQLite pass of `make test` runs it",
)


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    """A migrated SQLite file, as `make run` makes one."""
    folder = tmp_path_factory.mktemp("sqlite-faults")
    path = folder / "db.sqlite3"
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(path), check=True, timeout=300)
    return path


def _env(path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LIANGBANG_"))}
    return {
        **env, "DJANGO_SETTINGS_MODULE": "config.settings.local", "LIANGBANG_SQLITE_PATH": str(path),
        "LIANGBANG_VAR_DIR": str(path.parent / "var"), "PYTHONPATH": str(ROOT),
    }


class Product:
    """The product's process, one JSON line at a time."""

    def __init__(self, database: Path, scenario: str, timeout: float | None = None) -> None:
        args = [sys.executable, "-m", "tests.sqlite_faults_client", scenario]
        if timeout is not None:
            args.append(str(timeout))
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=_env(database), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def read(self) -> dict:
        line = self.process.stdout.readline()
        assert line, f"the product's process ended (exit status {self.process.wait(timeout=30)})"
        return json.loads(line)

    def tell(self, word: str) -> None:
        self.process.stdin.write(word + "\n")
        self.process.stdin.flush()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=30)


@pytest.fixture
def product(database) -> Iterator:
    started: list[Product] = []

    def start(scenario: str, timeout: float | None = None) -> Product:
        started.append(Product(database, scenario, timeout))
        return started[-1]

    yield start
    for process in started:
        process.close()


def holder(database: Path) -> sqlite3.Connection:
    """Another connection to the file, which will take the write lock."""
    return sqlite3.connect(database, isolation_level=None, timeout=30)


def rating_row(database: Path, rating_id: int) -> tuple[str, str]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT status, reason FROM ratings_rating WHERE id = ?", (rating_id,)).fetchone()


def review_history(database: Path, rating_id: int) -> list[tuple[str, str]]:
    """The rating's 审核通过 entries: (the reason as the approval saw it, who)."""
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT h.reason, u.username FROM ratings_historicalrating h JOIN auth_user u ON u.id = h.history_user_id "
            "WHERE h.id = ? AND h.history_change_reason = '审核通过' ORDER BY h.history_id", (rating_id,),
        ).fetchall()


def test_a_write_that_finds_the_file_locked_for_a_moment_waits_and_succeeds(database, product):
    app = product("approve-when-told")
    rating = app.read()["rating"]
    other = holder(database)
    other.execute("BEGIN IMMEDIATE")  # someone else is writing…
    other.execute("UPDATE ratings_rating SET reason = '另一个连接写入' WHERE id = ?", (rating,))
    app.tell("go")  # …when alice approves
    time.sleep(1)  # the other writer takes a second
    other.execute("COMMIT")

    result = app.read()

    assert result["status"] == 302, result
    assert rating_row(database, rating) == ("approved", "另一个连接写入")
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # readers never wait for a writer
    # The approval read the rating after the other write committed: it waited, it did not fail.
    assert review_history(database, rating) == [("另一个连接写入", "alice")]


def test_a_lock_held_longer_than_the_timeout_gives_a_busy_page_and_writes_nothing(database, product):
    app = product("approve-when-told", timeout=1)
    rating = app.read()["rating"]
    other = holder(database)
    other.execute("BEGIN IMMEDIATE")
    try:
        app.tell("go")
        busy = app.read()
    finally:
        other.execute("ROLLBACK")

    assert busy["status"] == 503, busy
    assert busy["retry_after"] == "5"
    assert "数据库正忙，本次操作没有完成。请稍等几秒后重试。" in busy["body"]
    assert "Traceback" not in busy["body"]
    assert rating_row(database, rating)[0] == "submitted" and review_history(database, rating) == []

    app.tell("go")  # a moment later, the same request
    assert app.read()["status"] == 302
    assert rating_row(database, rating)[0] == "approved" and len(review_history(database, rating)) == 1


def test_two_office_staff_approving_at_the_same_instant_take_turns(database, product):
    outcome = product("approve-race").read()

    results, rating = outcome["results"], outcome["rating"]
    assert [r["status"] for r in results] == [200, 200], results  # no 500, no 503
    said = [" ".join(r["messages"]) for r in results]
    assert sorted("已审核通过。" in text for text in said) == [False, True], said
    loser = next(text for text in said if "已审核通过。" not in text)
    assert "审核通过，无需重复操作" in loser
    assert rating_row(database, rating)[0] == "approved" and len(review_history(database, rating)) == 1


def test_a_month_closed_as_a_rater_saves_holds_no_rating_awaiting_review(database, product):
    outcome = product("close-while-saving").read()

    close, save = outcome["results"]
    assert close["status"] == save["status"] == 200, outcome
    with sqlite3.connect(database) as db:
        status = db.execute("SELECT status FROM ratings_period WHERE id = ?", (outcome["period"],)).fetchone()[0]
        waiting = db.execute("SELECT COUNT(*) FROM ratings_rating WHERE period_id = ? AND status = 'submitted'",
                             (outcome["period"],)).fetchone()[0]
    if status == "closed":
        # Closed first: bob is told, next to the month, that it closed and by whom.
        assert waiting == 0
        assert "2026-02 已关账（alice 于" in json.dumps(save, ensure_ascii=False)
    else:
        # Saved first: the close page stays, saying the month holds a rating that awaits review.
        assert waiting == 1
        assert "还有 1 条认定待审核" in " ".join(close["messages"] + close["notes"]), close
