"""The app the integration tests' worker runs: the project's own Celery app.

With ``LIANGBANG_TEST_PAUSE_AT=module:function`` and ``LIANGBANG_TEST_PAUSE_FILE`` set,
the worker's pool process stops right after that function returns — for the roll-up's
``assessment.services:_write_scores``, with every unit's row written and nothing committed —
touches the file and waits there, so that a test can kill the worker at that point.
"""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path

from celery.signals import worker_process_init

from config.celery import app

__all__ = ["app"]

PAUSE_AT = os.environ.get("LIANGBANG_TEST_PAUSE_AT", "")
PAUSE_FILE = os.environ.get("LIANGBANG_TEST_PAUSE_FILE", "")


@worker_process_init.connect
def _pause_in_the_middle(**kwargs) -> None:
    if not (PAUSE_AT and PAUSE_FILE):
        return
    module_name, _, name = PAUSE_AT.partition(":")
    module = importlib.import_module(module_name)
    original = getattr(module, name)

    def then_wait(*args, **kwargs):
        result = original(*args, **kwargs)
        Path(PAUSE_FILE).touch()
        time.sleep(600)  # until the test kills us
        return result

    setattr(module, name, then_wait)
