"""PostgreSQL and Redis on loopback ports, started and stopped by us: no system service.

Used by the tests (``make test`` runs the suite a second time on a temporary cluster),
the integration suite (its own Redis, stopped and restarted at will), ``make bench`` and
``make run-prod`` (a cluster kept under ``var/pg``). Standard library only, so that it
runs before the virtualenv has anything in it.

As root, PostgreSQL's programs run as the ``postgres`` user (``initdb`` refuses root)
through ``runuser``; as anyone else they run as that user.

The command line::

    python -m scripts.localstack with-postgres -- CMD ARGS...

starts a temporary cluster, runs ``CMD`` with ``LIANGBANG_TEST_DATABASE_URL`` pointing
at it, stops the cluster, removes it and exits with ``CMD``'s status.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# The cluster's superuser, whatever the operating-system user.
SUPERUSER = "postgres"
# A temporary cluster trades durability for speed: nothing in it outlives the run.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class StackError(RuntimeError):
    """A server would not start, or a program it needs is missing."""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _as_root() -> bool:
    return os.geteuid() == 0


def postgres_bindir() -> Path:
    """The newest installed PostgreSQL's programs (Debian keeps them off the PATH)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name), reverse=True
    )
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise StackError("PostgreSQL is not installed (initdb not found): run `bash scripts/setup.sh requirements-dev.txt`")


def redis_binary() -> str:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else "")
    if not found:
        raise StackError("redis-server is not installed: run `bash scripts/setup.sh requirements-dev.txt`")
    return found


def _owned_by_postgres(path: Path) -> None:
    """As root, hand a directory we made to the postgres user, who runs the server."""
    if _as_root():
        shutil.chown(path, user="postgres", group="postgres")


def _reachable_by_postgres(path: Path) -> bool:
    if not _as_root():
        return True
    return subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(path)]).returncode == 0


def _wait_for_port(port: int, *, timeout: float, what: str, alive=lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if not alive():
            break
        time.sleep(0.1)
    raise StackError(f"{what} did not start listening on 127.0.0.1:{port}")


@dataclass
class PostgresCluster:
    """A cluster in ``base`` (data in ``base/data``, socket and log beside it).

    Without a password every loopback connection is trusted (a temporary cluster that
    only this user's processes reach); with one, TCP connections must give it.
    """

    base: Path
    port: int = 0
    password: str = ""
    fast: bool = False
    bindir: Path = field(default_factory=postgres_bindir)

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "run"

    @property
    def logfile(self) -> Path:
        return self.base / "postgresql.log"

    @property
    def initialised(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def url(self, database: str = "postgres", *, user: str = SUPERUSER, password: str | None = None) -> str:
        secret = self.password if password is None else password
        credentials = f"{user}:{secret}" if secret else user
        return f"postgresql://{credentials}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if _as_root():
            command = ["runuser", "-u", "postgres", "--", *command]
        # A session of its own: Ctrl-C in a terminal must not reach the server (SIGINT is
        # PostgreSQL's fast shutdown) before the processes that use it have stopped.
        result = subprocess.run(command, capture_output=True, text=True, start_new_session=True, **kwargs)
        if check and result.returncode != 0:
            raise StackError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
                             + (f"\n{self.logfile.read_text()[-3000:]}" if self.logfile.exists() else ""))
        return result

    def init(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        if not _reachable_by_postgres(self.base.parent):
            raise StackError(f"the postgres user cannot enter {self.base.parent}: choose a directory others may enter")
        self.socket_dir.mkdir(exist_ok=True)
        for path in (self.base, self.socket_dir):
            path.chmod(0o700)
            _owned_by_postgres(path)
        args = ["initdb", "-D", str(self.datadir), "-U", SUPERUSER, "--encoding=UTF8", "--locale=C.UTF-8"]
        if self.password:
            pwfile = self.base / "pwfile"
            pwfile.write_text(self.password + "\n")
            pwfile.chmod(0o600)
            _owned_by_postgres(pwfile)
            args += ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
        else:
            args += ["--auth=trust"]
        try:
            self._run(*args)
        finally:
            (self.base / "pwfile").unlink(missing_ok=True)

    def start(self, *, timeout: float = 60) -> None:
        if not self.initialised:
            self.init()
        if not self.port:
            self.port = free_port()
        options = [f"-p {self.port}", f"-k {self.socket_dir}", "-c listen_addresses=127.0.0.1",
                   "-c unix_socket_permissions=0700"]
        options += [f"-c {setting}" for setting in FAST_SETTINGS] if self.fast else []
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.logfile), "-o", " ".join(options),
                  "-w", "-t", str(int(timeout)), "start", stdin=subprocess.DEVNULL)
        _wait_for_port(self.port, timeout=timeout, what="PostgreSQL")

    @property
    def running(self) -> bool:
        if not self.initialised:
            return False
        return self._run("pg_ctl", "-D", str(self.datadir), "status", check=False).returncode == 0

    def stop(self, *, mode: str = "fast") -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop", check=False)

    def psql(self, sql: str, *, database: str = "postgres") -> str:
        """Run SQL as the superuser through the socket (each statement in autocommit,
        which ``CREATE DATABASE`` needs)."""
        return self._run("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
                         "-p", str(self.port), "-U", SUPERUSER, "-d", database, "-c", sql).stdout.strip()

    def create_database(self, name: str, *, owner: str = SUPERUSER) -> None:
        if not self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            self.psql(f'CREATE DATABASE "{name}" OWNER "{owner}"')

    def ensure_role(self, name: str, password: str) -> None:
        exists = self.psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{name}'")
        verb = "ALTER" if exists else "CREATE"
        self.psql(f"{verb} ROLE \"{name}\" LOGIN PASSWORD '{password}'")

    def program(self, name: str) -> str:
        """The path of one of this PostgreSQL's client programs (pg_dump, pg_restore …),
        so that its version matches the server's."""
        return str(self.bindir / name)


def temporary_cluster(*, fast: bool = True) -> PostgresCluster:
    """A cluster in a new directory under the system's temporary directory."""
    base = Path(tempfile.mkdtemp(prefix="liangbang-pg-"))
    return PostgresCluster(base=base, fast=fast)


def project_cluster_base(project: Path) -> Path:
    """Where ``make run-prod`` keeps its cluster: ``var/pg``, unless the postgres user
    cannot enter the project (a clone under /root), then a directory of its own."""
    base = project / "var" / "pg"
    base.parent.mkdir(parents=True, exist_ok=True)
    if _reachable_by_postgres(base.parent):
        return base
    digest = hashlib.sha256(str(project.resolve()).encode()).hexdigest()[:10]
    fallback = Path("/var/lib/liangbang") / digest / "pg"
    fallback.parent.mkdir(parents=True, exist_ok=True)
    fallback.parent.chmod(0o755)
    fallback.parent.parent.chmod(0o755)
    return fallback


@dataclass
class RedisServer:
    """``redis-server`` in the foreground on a loopback port, as our child process."""

    workdir: Path
    port: int = 0
    persistent: bool = False  # append-only file in ``workdir`` (run-prod), or nothing on disk
    process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, *, timeout: float = 20) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port()
        persistence = ["--appendonly", "yes", "--save", ""] if self.persistent else ["--appendonly", "no", "--save", ""]
        self.process = subprocess.Popen(
            [redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--daemonize", "no",
             "--dir", str(self.workdir), "--logfile", str(self.workdir / "redis.log"), *persistence],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in a terminal reaches the parent, which stops us in order
        )
        try:
            _wait_for_port(self.port, timeout=timeout, what="Redis", alive=lambda: self.process.poll() is None)
            self._wait_for_pong(timeout)
        except StackError:
            log = self.workdir / "redis.log"
            raise StackError(f"redis-server did not start: {log.read_text()[-2000:] if log.exists() else ''}")

    def _wait_for_pong(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise StackError("Redis does not answer PING")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, *, timeout: float = 10) -> None:
        if not self.running:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# The command line ---------------------------------------------------------------------------


def _with_postgres(command: list[str], *, keep: bool) -> int:
    cluster = temporary_cluster()
    child: subprocess.Popen | None = None

    def forward(signum, _frame):  # Ctrl-C or a CI timeout: let the command end first
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    try:
        started = time.monotonic()
        cluster.start()
        cluster.create_database("liangbang")
        print(f"localstack: PostgreSQL on 127.0.0.1:{cluster.port} ({cluster.base}) in "
              f"{time.monotonic() - started:.1f}s", file=sys.stderr, flush=True)
        env = {**os.environ, "LIANGBANG_TEST_DATABASE_URL": cluster.url("liangbang")}
        previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            child = subprocess.Popen(command, env=env)
            return child.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    finally:
        cluster.stop(mode="immediate")
        if keep:
            print(f"localstack: kept {cluster.base}", file=sys.stderr)
        else:
            shutil.rmtree(cluster.base, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.localstack", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    with_pg = sub.add_parser("with-postgres", help="run a command with a temporary PostgreSQL cluster")
    with_pg.add_argument("--keep", action="store_true", help="keep the cluster's directory")
    with_pg.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("name the command to run after --")
    try:
        return _with_postgres(command, keep=args.keep)
    except StackError as exc:
        print(f"localstack: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
