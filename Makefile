# The two commands a new machine needs: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
# Two stamps: running the app needs only the runtime packages; tests need the tooling too.
RUN_STAMP := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed
TEST_ENV := DJANGO_SETTINGS_MODULE=config.test_settings

.PHONY: run test lint check audit-demo browser-deps serve bench bench-editor loadtest clean

$(RUN_STAMP): requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP) requirements-dev.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

## run: set up, migrate SQLite, load demo data and serve on http://127.0.0.1:8000
run: $(RUN_STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo_data
	@echo "Open http://127.0.0.1:8000/ and sign in with one of the users above (Ctrl+C stops the server)."
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

## test: lint, system checks, migration check, the data audit of the demo data and the whole
## test suite (browser tests included)
test: $(STAMP) browser-deps lint check audit-demo
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

## serve: production mode: migrate, collect static files, gunicorn with several workers.
## Needs SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (and CACHE_URL for Redis) in the environment.
serve: $(RUN_STAMP)
	$(PY) manage.py check --deploy --fail-level WARNING
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/gunicorn config.wsgi --config config/gunicorn.conf.py

## bench: sync and search benchmarks in a throwaway database (DATABASE_URL picks the engine)
bench: $(STAMP)
	$(VENV)/bin/python -W ignore -m bench.run --json bench-results/$$( [ -n "$$DATABASE_URL" ] && echo "$${DATABASE_URL%%:*}" || echo sqlite ).json $(BENCH_ARGS)

## bench-editor: the flow editor in Chromium: load time and per-edit p50/p95 at 300 and 1,000 steps
bench-editor: $(STAMP)
	$(VENV)/bin/python -W ignore -m bench.editor $(BENCH_ARGS)

## loadtest: gunicorn (4 workers) on PostgreSQL and Redis, driven with a mix of requests
loadtest: $(STAMP)
	$(VENV)/bin/python -m loadtest.run $(LOADTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: $(STAMP)
	$(TEST_ENV) $(PY) manage.py check
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

# The demo data, loaded into a throwaway SQLite database, must pass `audit_data` (whatever
# DATABASE_URL says: this checks the data the demo writes, not the engine).
audit-demo: $(STAMP)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	export DATABASE_URL="sqlite:///$$tmp/audit.sqlite3" && \
	$(TEST_ENV) $(PY) manage.py migrate --noinput --verbosity 0 && \
	$(TEST_ENV) $(PY) manage.py load_demo_data > /dev/null && \
	$(TEST_ENV) $(PY) manage.py audit_data

# Browser tests drive Debian's Chromium; install it when missing and we are allowed to.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Chromium: sudo apt-get install chromium"; exit 1; fi; }

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
