"""Queuing a Celery task so that a request is never silently lost.

In production the broker is Redis. When it is down, ``apply_async`` raises after its
short retry policy; ``enqueue`` turns that into ``QueueUnavailable``, whose message tells
the office what happened and what to do. The caller records the refusal on its run
(so the admin shows it) and shows the message; nothing is left waiting for a task that
was never sent. Tasks run in-process (the default) never touch a broker.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


class QueueUnavailable(Exception):
    """The broker refused the task: nothing was queued."""


def enqueue(task, *, args: list | tuple = (), kwargs: dict[str, Any] | None = None, task_id: str | None = None):
    """``task.apply_async(...)``, raising ``QueueUnavailable`` with a message for the
    office when the broker cannot take it."""
    try:
        return task.apply_async(args=args, kwargs=kwargs, task_id=task_id)
    except OperationalError as exc:
        logger.error("could not queue %s: %s: %s", task.name, type(exc).__name__, exc)
        raise QueueUnavailable(
            _("任务队列（Redis）暂时无法连接，本次操作没有排队，也不会自动执行。请稍后重试；如持续出现，请联系系统管理员检查 Redis 和后台任务进程。")
        ) from exc
