#!/usr/bin/env bash
# make run-prod: installs what the production stack needs (PostgreSQL and Redis among the
# system packages, gunicorn and psycopg among the Python ones), then runs it on this
# machine until Ctrl-C. See scripts/run_prod.py.
set -euo pipefail
cd "$(dirname "$0")/.."
LIANGBANG_STACK=1 bash scripts/setup.sh requirements.txt
exec .venv/bin/python scripts/run_prod.py "$@"
