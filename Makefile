# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run chat test test-postgres stress lint lint-container format bench profile locales locales-extract locales-update locales-compile clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/consultbot run

chat: $(STAMP)
	$(BIN)/consultbot chat

test: $(STAMP) lint-container
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

test-postgres: $(STAMP)
	$(BIN)/pytest -q -m postgres

lint: $(STAMP) lint-container
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The container files: hadolint always; `docker compose config` where a Compose client exists
# (tests/deploy checks the rest of their rules in pytest).
COMPOSE := $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || \
	(command -v docker-compose >/dev/null 2>&1 && echo docker-compose))
lint-container: $(STAMP)
	$(BIN)/hadolint Dockerfile
ifneq ($(COMPOSE),)
	POSTGRES_PASSWORD=lint PUBLIC_HOSTNAME=example.org $(COMPOSE) --env-file .env.example \
		--profile monitoring config --quiet
	@echo "compose.yaml: valid ($(COMPOSE))"
else
	@echo "lint-container: no Compose client here; compose.yaml is checked by tests/deploy only"
endif

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The long half of the reliability suite (docs/reliability.md): the chaos run (`consultbot run`
# SIGKILLed under 200 users and a broadcast) and thousands of fuzz sequences on each backend
# (PostgreSQL where TEST_DATABASE_URL is set). About 10 minutes on 2 cores.
FUZZ_EXAMPLES ?= 1000
stress: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 $(BIN)/pytest -q -s tests/stress \
		tests/hardening/test_fuzz.py -p no:cacheprovider --override-ini addopts= -rs

BENCH_STAMP := $(VENV)/.installed-bench
BENCH ?= tests/benchmarks

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# Every figure of docs/benchmarks.md beside its reference (4-10 minutes on 2 cores; one
# file alone with BENCH=tests/benchmarks/test_export_bench.py; TEST_DATABASE_URL adds PostgreSQL).
bench: $(BENCH_STAMP)
	$(BIN)/pytest -q $(BENCH) -p no:cacheprovider --override-ini addopts= -rs

# py-spy's breakdown of `consultbot run` under the Telegram load (docs/benchmarks.md).
profile: $(BENCH_STAMP)
	$(BIN)/python -m tests.benchmarks.profile_stack

locales-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 -o locales/messages.pot \
		--no-location --sort-output --omit-header --width 100 --project consultbot .

locales-update: locales-extract
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching \
		--ignore-obsolete --width 100
	$(BIN)/python -m bot.core.i18n_source locales/en/LC_MESSAGES/messages.po

locales-compile: $(STAMP)
	$(BIN)/pybabel compile -d locales -D messages --statistics

locales: locales-update

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
