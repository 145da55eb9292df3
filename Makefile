# The two commands a newcomer needs are `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# make run is a development server: DEBUG on unless the caller says otherwise.
RUN_ENV := DEBUG=$${DEBUG:-1}

.PHONY: run code test lint typecheck schema clean services-check messages messages-check \
	messages-compile bench load

$(VENV)/.installed-local: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[local]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-local

# The languages whose catalogues makemessages keeps (config/languages.py says which are offered).
MESSAGE_LANGUAGES ?= it fr
MAKEMESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=tests --ignore=benchmarks

## Extract every translatable text, the instrument definitions' too, into locale/<lang>/
## (docs/translation.md). Translators run this, then fill in the .po files.
messages: $(VENV)/.installed-dev
	DEBUG=1 $(BIN)/python manage.py write_instrument_messages
	DEBUG=1 $(BIN)/python manage.py makemessages $(MESSAGE_LANGUAGES:%=-l %) --no-obsolete \
		--add-location=file $(MAKEMESSAGES_IGNORE)

## Fail when a shipped language has an untranslated or fuzzy message (CI runs it after messages).
messages-check: $(VENV)/.installed-dev
	$(BIN)/python -m config.languages

## Build the .mo files from the .po files; they are not committed (docs/translation.md).
messages-compile: $(VENV)/.installed-local
	$(BIN)/python -m config.languages --compile

## Set up and start web, Celery worker and beat on http://127.0.0.1:$(PORT). Ctrl-C stops all.
run: $(VENV)/.installed-local messages-compile
	mkdir -p var/celery/queue var/celery/processed var/celery/control var/mail
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py createcachetable
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) $(BIN)/python manage.py seed_research_demo
	$(RUN_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho --procfile Procfile.dev start --port $(PORT)

## Print the current second-factor code of a demo account: make code EMAIL=clinician@demo.example
code: $(VENV)/.installed-local messages-compile
	$(RUN_ENV) $(BIN)/python manage.py demo_code "$(EMAIL)"

## Run the whole test suite (SQLite by default; PostgreSQL and Redis with DATABASE_URL, REDIS_URL).
test: $(VENV)/.installed-dev messages-compile
	$(BIN)/pytest

## Lint, format check and migration check, as CI runs them.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

typecheck: $(VENV)/.installed-dev
	DEBUG=1 $(BIN)/mypy config accounts symptoms

## Regenerate the committed OpenAPI schema (docs/openapi.yaml); a test checks it is current.
schema: $(VENV)/.installed-dev
	DEBUG=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

# make bench: PostgreSQL and Redis started like CI starts them; its own database, so a bench run
# never touches the one make run or the tests use. QUICK=1: small sizes on SQLite, not judged.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mstracker_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/3

## Run every benchmark against its baseline and print RESULT lines (docs/performance.md).
bench: $(VENV)/.installed-dev messages-compile
ifeq ($(filter-out 0,$(QUICK)),)
	bash .ci/services
	psql -h 127.0.0.1 -U postgres -d postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname='mstracker_bench'" | grep -q 1 \
		|| createdb -h 127.0.0.1 -U postgres mstracker_bench
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) QUICK= \
		$(BIN)/python benchmarks/run.py $(ONLY)
else
	QUICK=1 $(BIN)/python benchmarks/run.py $(ONLY)
endif

## The mixed workload through gunicorn at rising rates (locust); QUICK=1: two short levels (CI).
load: $(VENV)/.installed-dev messages-compile
	bash .ci/services
	psql -h 127.0.0.1 -U postgres -d postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname='mstracker_bench'" | grep -q 1 \
		|| createdb -h 127.0.0.1 -U postgres mstracker_bench
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) QUICK=$(QUICK) \
		$(BIN)/python benchmarks/load.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
