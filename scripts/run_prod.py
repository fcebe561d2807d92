"""``make run-prod``: the production stack on this machine, for a demonstration.

PostgreSQL (a cluster under ``var/pg``) and Redis (``var/redis``) on loopback ports,
started here and not as system services; then the Procfile's processes under
``config/settings/production.py``: the release step (migrate, collectstatic), the demo
district, gunicorn with several workers, a Celery worker and beat. Ctrl-C stops
everything in order: the web and task processes first, then Redis and PostgreSQL.

Secrets and ports are kept in ``var/prod/state.json`` (readable by this user only), so
that a second run finds its database again.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.localstack import (  # noqa: E402 - run as a script, the project is put on the path first
    PostgresCluster,
    RedisServer,
    StackError,
    free_port,
    port_is_free,
    project_cluster_base,
)

VAR = ROOT / "var"
STATE = VAR / "prod" / "state.json"
DATABASE = ROLE = "liangbang"
COLOURS = {"web": 36, "worker": 33, "beat": 35}


def say(message: str) -> None:
    print(f"run-prod | {message}", flush=True)


def load_state() -> dict:
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    state.setdefault("secret_key", secrets.token_urlsafe(50))
    state.setdefault("db_password", secrets.token_urlsafe(24))
    state.setdefault("pg_superuser_password", secrets.token_urlsafe(24))
    STATE.parent.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2))
    STATE.chmod(0o600)
    return state


def save_state(state: dict) -> None:
    STATE.write_text(json.dumps(state, indent=2))


def port_for(state: dict, key: str) -> int:
    """The port of the last run when it is still free: bookmarks keep working."""
    port = state.get(key)
    return port if port and port_is_free(port) else free_port()


def procfile() -> dict[str, str]:
    processes = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes


def pipe_output(name: str, stream) -> None:
    prefix = f"\033[{COLOURS.get(name, 37)}m{name:>7} |\033[0m " if sys.stdout.isatty() else f"{name:>7} | "
    for raw in iter(stream.readline, b""):
        sys.stdout.write(prefix + raw.decode(errors="replace"))
        sys.stdout.flush()


def run_step(command: str, env: dict[str, str], *, show: bool = False) -> str:
    result = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True,
                            start_new_session=True)
    if result.returncode != 0:
        raise StackError(f"`{command}` failed:\n{result.stdout}{result.stderr}")
    if show and result.stdout.strip():
        print(result.stdout.rstrip(), flush=True)
    return result.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make run-prod", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3")))
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo district")
    args = parser.parse_args(argv)

    state = load_state()
    cluster = PostgresCluster(base=project_cluster_base(ROOT), password=state["pg_superuser_password"],
                              port=port_for(state, "pg_port"))
    redis = RedisServer(workdir=VAR / "redis", persistent=True, port=port_for(state, "redis_port"))
    children: dict[str, subprocess.Popen] = {}
    stopping = threading.Event()

    def request_stop(signum, _frame) -> None:
        if not stopping.is_set():
            print("", flush=True)
            say(f"{signal.Signals(signum).name}: stopping")
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    try:
        if cluster.running:  # left over from a run that did not stop cleanly
            cluster.stop()
        cluster.start()
        cluster.ensure_role(ROLE, state["db_password"])
        cluster.create_database(DATABASE, owner=ROLE)
        say(f"PostgreSQL {cluster.bindir.parent.name} on 127.0.0.1:{cluster.port} ({cluster.datadir})")
        redis.start()
        say(f"Redis on 127.0.0.1:{redis.port} ({redis.workdir})")
        state.update(pg_port=cluster.port, redis_port=redis.port)
        save_state(state)

        web_port = args.port if port_is_free(args.port) else free_port()
        if web_port != args.port:
            say(f"port {args.port} is taken: using {web_port}")
        site = f"http://{args.host}:{web_port}"
        env = {
            **os.environ,
            "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DATABASE_URL": cluster.url(DATABASE, user=ROLE, password=state["db_password"]),
            "REDIS_URL": redis.url(),
            "DJANGO_SECRET_KEY": state["secret_key"],
            "DJANGO_ALLOWED_HOSTS": ",".join(sorted({args.host, "127.0.0.1", "localhost"})),
            "DJANGO_CSRF_TRUSTED_ORIGINS": site,
            "DJANGO_MEDIA_ROOT": str(VAR / "media"),
            "DJANGO_STATIC_ROOT": str(VAR / "static"),
            "DJANGO_HTTPS": "false",  # no TLS on a loopback demonstration; behind nginx it stays on
            "BIND": f"{args.host}:{web_port}",
            "WEB_CONCURRENCY": str(args.web_workers),
            "PYTHONUNBUFFERED": "1",
        }
        processes = procfile()
        say("release: migrate, collectstatic")
        run_step(processes.pop("release"), env)
        logins = ""
        if not args.no_demo:
            say("the demo district, and its closed months published")
            logins = run_step(f"python manage.py seed_demo --url {site}/admin/", env)
            run_step("python manage.py publish_board --pending", env)

        for name, command in processes.items():
            if stopping.is_set():
                break
            child = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
            children[name] = child
            threading.Thread(target=pipe_output, args=(name, child.stdout), daemon=True).start()

        if not stopping.is_set():
            time.sleep(2)
            print(logins.rstrip(), flush=True)
            say(f"the public board: {site}/   the admin: {site}/admin/   health: {site}/healthz")
            say(f"{args.web_workers} gunicorn workers, a Celery worker and beat; Ctrl-C stops everything")
        while not stopping.wait(0.5):
            for name, child in children.items():
                if child.poll() is not None:
                    say(f"{name} exited with status {child.returncode}: stopping")
                    stopping.set()
        return 0 if all(c.returncode in (None, 0, -signal.SIGTERM) for c in children.values()) else 1
    except StackError as exc:
        say(f"error: {exc}")
        return 1
    finally:
        # The processes that use the servers go first, so that no task is cut off mid-way.
        for name in ("web", "beat", "worker"):
            child = children.get(name)
            if child is not None and child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for name, child in children.items():
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop in 30 s: killed")
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        redis.stop()
        cluster.stop()
        say("stopped")


if __name__ == "__main__":
    sys.exit(main())
