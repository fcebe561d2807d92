"""``make bench``: times the product's heavy paths against a plain baseline in the same run.

Every measure prints one line of its own on standard output:

    bench: <name> ours=<value><unit> baseline=<value><unit> ratio=<ours/baseline>

Everything runs on a throwaway SQLite database in a temporary directory.
"""


def queue_in_memory() -> None:
    """Queue tasks as production does, on a broker, instead of running them in-process
    (the test settings' default): a roll-up or a close then costs what it costs a web
    request or a worker, and what it leaves for the worker (the dashboard's figures,
    measured by ``benchmarks.dashboard``) is not counted in it. The broker is kombu's
    in-memory transport, which nothing reads."""
    from config.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
