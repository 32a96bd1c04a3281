# `make run`: set up and serve the app on SQLite with demo data, with a task-queue consumer. `make test`: set up and run the suite.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
PYTEST_ARGS ?=
export FLASK_APP := inspect_app

.PHONY: install translations run test bench bench-weight bench-photos lint

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Compiled catalogs are build output; the .po files are the source in the repo.
translations: install
	$(VENV)/bin/pybabel compile -d inspect_app/translations

# gunicorn's control socket defaults to ~/.gunicorn/gunicorn.ctl, one path for every gunicorn of
# the user: two instances would take it over from each other, so each app keeps its own.
run: translations
	mkdir -p instance
	$(VENV)/bin/flask db upgrade
	$(VENV)/bin/flask checklists load
	$(VENV)/bin/flask demo load
	@$(VENV)/bin/flask demo info --port $(PORT)
	@# One task-queue consumer beside gunicorn (exports, e-mail), stopped with it.
	$(VENV)/bin/flask tasks worker & consumer=$$!; trap 'kill $$consumer 2>/dev/null' EXIT INT TERM; \
	BASE_URL=$${BASE_URL:-$$($(VENV)/bin/flask demo info --port $(PORT) --url-only)} \
	  $(VENV)/bin/gunicorn --config gunicorn.conf.py --bind 0.0.0.0:$(PORT) --access-logfile - \
	  --control-socket instance/gunicorn.ctl 'inspect_app:create_app()'

test: translations
	$(VENV)/bin/ruff check inspect_app tests bench
	$(PY) -m pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

# One table of figures beside their floors (bench/run.py; BENCH_ARGS=--city adds city scale,
# BENCH_DATABASE_URL=postgresql://… measures on PostgreSQL); then the queued export (its writers
# and the job, .xlsx and CSV) beside today's xlsx writer, time and memory. (bench/export_bench.py,
# today's export alone, is left out: export_writers has it as its floor, and its traced pass
# took 5 minutes per database.)
bench: translations
	$(PY) bench/run.py $(BENCH_ARGS)
	BENCH_ROWS=$${BENCH_ROWS:-100000} $(PY) bench/export_writers.py

# Bytes of the checklist page with the service worker on (first visit, repeat, one tick).
bench-weight: translations
	$(PY) bench/page_weight.py

# Bystander latency of the login page while 8 clients post costly PNGs (a few minutes).
bench-photos: translations
	$(PY) bench/photo_load.py

lint: install
	$(VENV)/bin/ruff check inspect_app tests bench
