"""The real stack, started and stopped by the tests: PostgreSQL, Redis, a Celery worker
process under the production settings, and gunicorn.

These tests run when the suite runs on PostgreSQL: ``make test`` runs it a second time
inside ``python -m scripts.localstack with-postgres``, which starts a temporary cluster
(``initdb`` as the postgres user in a temporary directory, a free loopback port) and
hands its URL to ``config/settings/test.py``. pytest-django creates the test database on
it; the worker and gunicorn are given that same database. Redis is started here, on a
free loopback port, so that a test can stop it and start it again.

The tests write through the ORM and the test client in this process and must commit
for the worker to see anything, so they are transactional; ``serialized_rollback``
puts back what the migrations created (roles, the default jurisdiction) afterwards.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from scripts.localstack import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

# Every test here commits, so that other processes see its data.
integration = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items) -> None:
    if on_postgresql():
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: `make test` runs these in its second run, or "
               "`.venv/bin/python -m scripts.localstack with-postgres -- .venv/bin/python -m pytest tests/integration`"
    )
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(skip)


def wait_until(condition: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


# The servers -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def stack_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def redis_server(stack_dir: Path) -> Iterator[RedisServer]:
    server = RedisServer(workdir=stack_dir / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis(redis_server: RedisServer) -> Iterator[RedisServer]:
    """Redis, running at the start and at the end of the test (a test may stop it)."""
    if not redis_server.running:
        redis_server.start()
    yield redis_server
    if not redis_server.running:
        redis_server.start()


@pytest.fixture(scope="session")
def database_url(django_db_setup) -> str:
    """The test database pytest-django created on the cluster, as a URL for other processes."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgresql://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture(scope="session")
def stack_env(database_url: str, redis_server: RedisServer, stack_dir: Path) -> dict[str, str]:
    """The environment of a production process (config/settings/production.py) on the
    test database and the test Redis."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LIANGBANG_", "CELERY_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_server.url(),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_MEDIA_ROOT": str(stack_dir / "media"),
        "DJANGO_STATIC_ROOT": str(stack_dir / "static"),
        "DJANGO_HTTPS": "false",  # plain HTTP on a loopback port
        "DJANGO_CONN_MAX_AGE": "0",  # no connection outlives a task: the tests flush tables between them
        # A message taken by a worker that died is delivered again after 5 s, not 30 min.
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "CELERY_RESTORE_INTERVAL": "1",
        "PYTHONUNBUFFERED": "1",
    })
    return env


@pytest.fixture
def media_root(settings, stack_env: dict[str, str]) -> Path:
    """This process and the worker share the production media directory."""
    settings.MEDIA_ROOT = Path(stack_env["DJANGO_MEDIA_ROOT"])
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    return settings.MEDIA_ROOT


# The Celery worker -----------------------------------------------------------------------


class Worker:
    """``celery worker`` in its own process group, so that it can be killed whole."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env = env
        self.logdir = logdir
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.log = logdir / "worker-0.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, *, pause_after: str = "", pause_file: Path | None = None) -> None:
        """Start, and wait until it takes tasks. ``pause_after`` ("module:function"): the
        pool process stops after that function returns and touches ``pause_file``
        (tests/integration/worker_app.py)."""
        self.starts += 1
        self.log = self.logdir / f"worker-{self.starts}.log"
        env = dict(self.env)
        if pause_after:
            env.update(LIANGBANG_TEST_PAUSE_AT=pause_after, LIANGBANG_TEST_PAUSE_FILE=str(pause_file))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.integration.worker_app", "worker", "--loglevel", "INFO",
             "--concurrency", "1", "--pool", "prefork", "--hostname", f"test{self.starts}@%h",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--logfile", str(self.log)],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=self.log.with_suffix(".out").open("wb"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_until(lambda: self.text().find(" ready.") >= 0 or not self.running, timeout=60, what="the worker")
        assert self.running, f"the worker did not start:\n{self.text()[-3000:]}"

    def text(self) -> str:
        """What the worker logged: Celery's log file and the output where Django's
        logging (the production settings' console handler) writes."""
        files = (self.log, self.log.with_suffix(".out"))
        return "".join(path.read_text(errors="replace") for path in files if path.exists())

    def kill(self) -> None:
        """SIGKILL to the worker and its pool: nothing gets to clean up or acknowledge."""
        if self.running:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """A warm shutdown (SIGTERM), as a process manager does."""
        if not self.running:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture(scope="session")
def worker_process(stack_env: dict[str, str], stack_dir: Path) -> Iterator[Worker]:
    worker = Worker(stack_env, stack_dir)
    yield worker
    worker.stop()


@pytest.fixture
def worker(worker_process: Worker, redis: RedisServer) -> Worker:
    """A running worker (started once, or again after a test killed it)."""
    if not worker_process.running:
        worker_process.start()
    return worker_process


@pytest.fixture
def queue_to_redis(redis: RedisServer, settings) -> Iterator[RedisServer]:
    """This process queues tasks on the test Redis, as a production web process does,
    instead of running them in-process."""
    from kombu import pools

    from config.celery import app

    keys = ("task_always_eager", "broker_url", "task_publish_retry_policy")
    saved = {key: app.conf[key] for key in keys}

    def reset_pools() -> None:  # connections made for the previous broker go
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    reset_pools()
    app.conf.update(
        task_always_eager=False, broker_url=redis.url(),
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis.url()
    yield redis
    reset_pools()
    app.conf.update(saved)


# gunicorn ----------------------------------------------------------------------------------


class Web:
    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, *, timeout: float = 20) -> tuple[int, dict[str, str], bytes]:
        """GET without following redirects: (status, headers, body)."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(self.url(path), timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="session")
def web(stack_env: dict[str, str], stack_dir: Path) -> Iterator[Web]:
    """gunicorn with three workers under the production settings, after collectstatic."""
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=stack_env,
                   check=True, capture_output=True)
    port = free_port()
    log = stack_dir / "gunicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "3", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "-", "--error-logfile", "-", "--timeout", "60", "--no-control-socket"],
        cwd=ROOT, env=stack_env, stdin=subprocess.DEVNULL, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Web(process, port, log)

    def answers() -> bool:
        assert process.poll() is None, f"gunicorn stopped:\n{log.read_text()[-3000:]}"
        try:
            return server.get("/healthz", timeout=2)[0] in (200, 503)
        except OSError:
            return False

    wait_until(answers, timeout=60, what="gunicorn")
    yield server
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)

