# Liangbang (效能亮榜): the two commands a newcomer needs are `make run` and `make test`.
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The address printed for the admin: a server listening on every interface is reached locally.
URL_HOST = $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))

.PHONY: run run-prod test setup setup-dev demo messages bench clean manual

setup:
	bash scripts/setup.sh requirements.txt

setup-dev:
	bash scripts/setup.sh requirements-dev.txt

## make run: set everything up, migrate SQLite, load demo data, print the admin login, serve.
## DEBUG is off, as in production (the Chinese error pages); `DJANGO_DEBUG=true make run` turns it on.
run: setup
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo --url http://$(URL_HOST):$(PORT)/admin/
	$(PY) manage.py publish_board --pending
	$(PY) manage.py runserver $(HOST):$(PORT)

## make run-prod: the production stack on this machine (PostgreSQL, Redis, gunicorn, Celery
## worker and beat), with the demo district; Ctrl-C stops it all. See docs/deploy.md.
run-prod:
	HOST=$(HOST) PORT=$(PORT) bash scripts/run_prod.sh

## make test: set everything up and run the whole suite: on SQLite, then again on a temporary
## PostgreSQL cluster with the integration tests (Redis, a Celery worker, gunicorn) that need it.
test: setup-dev
	$(PY) -m pytest --ignore=tests/integration
	$(PY) -m scripts.localstack with-postgres -- $(PY) -m pytest

## make manual: run the browser journeys, then copy the screenshots the user manual (/help/) cites
## into manual/static/manual/screenshots/ (committed); fails if a cited one was not taken.
manual: setup-dev
	rm -rf test-artifacts/screenshots
	$(PY) -m pytest tests/browser -q
	$(PY) -m scripts.manual_screenshots

## Regenerate the English catalogue after changing strings (needs gettext).
messages:
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=tests --ignore=benchmarks --ignore=var --ignore=static/vendor --no-location --no-obsolete
	$(PY) manage.py makemessages -d djangojs -l en --ignore=.venv --ignore=tests --ignore=benchmarks --ignore=var --ignore=static/vendor --no-location --no-obsolete

clean:
	rm -rf .venv db.sqlite3 db.sqlite3-wal db.sqlite3-shm var

## make bench: time the hot paths against baselines measured in the same run.
bench: setup-dev
	$(PY) -m benchmarks
