# apibundle: any FastAPI (ASGI) app behind Nginx and Gunicorn-managed Uvicorn workers.
#   make up [APP_DIR=../myproject]        prod profile (Gunicorn), sets up certs and images first,
#                                         waits until healthy (unset APP_DIR: the demo in ./backend)
#   make loadtest [APP_DIR=...] [QUICK=1] the comparison report for that app's own endpoints
#   make test                             unit and container tests (real Nginx, Gunicorn, containers)
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

COMPOSE ?= docker compose
PYTHON ?= python3
VENV ?= .venv
PYTEST_ARGS ?=
# Resolves the base images (official, or made from Debian packages where no registry answers)
# and exports PYTHON_IMAGE / NGINX_IMAGE / PIP_NO_INDEX for compose. OFFLINE=1 forces air-gapped.
WITH_IMAGES = eval "$$(OFFLINE=$(OFFLINE) scripts/images.sh)"
OFFLINE ?= auto
# MONITORING=1: `make up` / `make dev` also run the monitoring profile (Prometheus on
# 127.0.0.1:${PROMETHEUS_PORT:-9090}, the Nginx exporter).
MONITORING ?=
comma := ,
WITH_MONITORING = $(if $(filter 1 true yes,$(MONITORING)),$(comma)monitoring)
# APP_DIR: the project to deploy and measure (a folder with pyproject.toml or requirements.txt);
# unset, the demo in ./backend. Its image is apibundle/app-<folder name> (APP_IMAGE).
APP_DIR ?=
ifneq ($(APP_DIR),)
ifeq ($(wildcard $(APP_DIR)/pyproject.toml $(APP_DIR)/requirements.txt),)
$(error APP_DIR=$(APP_DIR) is not a project folder: it has neither pyproject.toml nor requirements.txt)
endif
APP_NAME := $(shell basename "$$(cd '$(APP_DIR)' && pwd)" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9._\n-' '-')
# override: a command-line APP_DIR=rel/path beats a plain assignment, and compose reads a path
# without ./ as a named volume; make hands it on absolute.
override APP_DIR := $(abspath $(APP_DIR))
export APP_DIR
export APP_IMAGE ?= apibundle/app-$(APP_NAME)
endif
export BUNDLE_DIR := $(CURDIR)
# STORE=postgres adds the postgres profile and, for the demo, points it at it (backend/postgres.env;
# a project names its own database URL in its env file). Default: SQLite, as ever.
STORE ?= sqlite
ifeq ($(STORE),postgres)
STORE_PROFILES := ,postgres
ifeq ($(APP_DIR),)
export APP_ENV_FILE ?= $(CURDIR)/backend/postgres.env
endif
else ifeq ($(STORE),sqlite)
STORE_PROFILES :=
else
$(error STORE must be sqlite or postgres, not '$(STORE)')
endif
ALL_PROFILES := prod,dev,postgres,monitoring

.PHONY: help up dev config reference down logs ps certs secrets images test unit lint format lock clean docs loadtest resilience report middleware-cost nginx-cost \
	swarm-up swarm-deploy swarm-down swarm-locust swarm-test

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

up: certs secrets images reports ## run the prod profile (Nginx -> Gunicorn + Uvicorn workers) and wait until healthy; STORE=postgres for Postgres
	COMPOSE_PROFILES=dev $(COMPOSE) rm --stop --force app-dev
	COMPOSE_PROFILES=prod$(STORE_PROFILES)$(WITH_MONITORING) $(COMPOSE) up --detach --wait
	@echo "up: https://localhost:$${HTTPS_PORT:-8443}/  the app under https://localhost:$${HTTPS_PORT:-8443}$${API_PREFIX:-/api}/  (trust certs/ca.crt, e.g. curl --cacert certs/ca.crt)"
	$(if $(WITH_MONITORING),@echo "monitoring: Prometheus on http://127.0.0.1:$${PROMETHEUS_PORT:-9090}/ (this host only)")

dev: certs secrets images reports ## run the dev profile (Uvicorn --reload, sources bind-mounted); STORE=postgres for Postgres
	COMPOSE_PROFILES=prod $(COMPOSE) rm --stop --force app
	COMPOSE_PROFILES=dev$(STORE_PROFILES)$(WITH_MONITORING) $(COMPOSE) up --detach --wait
	@echo "dev: https://localhost:$${HTTPS_PORT:-8443}/ with reload on changes in $${APP_DIR:-backend}"
	$(if $(WITH_MONITORING),@echo "monitoring: Prometheus on http://127.0.0.1:$${PROMETHEUS_PORT:-9090}/ (this host only)")

down: ## stop and remove the bundle's containers (the data volumes are kept)
	COMPOSE_PROFILES=$(ALL_PROFILES) $(COMPOSE) down --remove-orphans

logs: ## follow the logs of every service
	COMPOSE_PROFILES=$(ALL_PROFILES) $(COMPOSE) logs --follow --tail=100

ps: ## show the services and their health
	COMPOSE_PROFILES=$(ALL_PROFILES) $(COMPOSE) ps --all

config: ## print the compose file with make's settings applied (APP_DIR, STORE...), every profile's services
	COMPOSE_PROFILES=$(ALL_PROFILES) $(COMPOSE) config

certs: ## make a local CA and a server certificate (kept while valid)
	scripts/certs.sh

secrets: ## make the Postgres password file secrets/postgres_password (kept once made; git-ignored)
	scripts/secrets.sh

images: ## build the images: runtime, the app's (APP_DIR or the demo), Nginx... (from Debian packages and host wheels where no registry answers)
	$(WITH_IMAGES) && COMPOSE_PROFILES=$(ALL_PROFILES) $(COMPOSE) build \
	  && $(COMPOSE) -f compose/loadtest/generator.yml --profile generator --profile compare-image build

# Load-test knobs, passed through when set: BUDGET=30m (default plan: 90s, 45m, 1h30m) FULL=1 (the whole
# matrix) QUICK=1 TOPOLOGIES="a b" SCENARIOS=... USERS DURATION WARMUP REPEAT FRACTIONS WORKERS CPUS
# LOCUST_WORKERS RESILIENCE=1 (faults too; off unless asked) (see loadtest/runner/settings.py);
# SHORT=1 makes `make resilience` run the CI-length fault versions; SWARM=1 adds the Swarm updates (make swarm-test).
LOADTEST_KNOBS := LOCUSTFILE APP_ENV_FILE API_PREFIX API_STRIP_PREFIX OPENAPI_PATH QUICK FULL BUDGET TOPOLOGIES SCENARIOS USERS DURATION WARMUP REPEAT FRACTIONS WORKERS CPUS LOCUST_WORKERS RESILIENCE SHORT SWARM
export $(foreach k,$(LOADTEST_KNOBS),$(if $(value $(k)),$(k)))

loadtest: $(VENV)/.installed certs secrets images reports ## answer the server questions within BUDGET (30m; FULL=1: whole matrix); writes reports/<UTC time>/
	$(WITH_IMAGES) && TESTCONTAINERS_RYUK_DISABLED=true $(VENV)/bin/python -m loadtest.runner

resilience: $(VENV)/.installed certs images reports ## faults under load (kill, reload, hang, restarts, keep-alive, recycling, stop) for Gunicorn and Uvicorn
	$(WITH_IMAGES) && TESTCONTAINERS_RYUK_DISABLED=true $(VENV)/bin/python -m loadtest.runner.resilience

middleware-cost: $(VENV)/.installed ## the app's middleware cost per request, in-process (no server, no Docker)
	PYTHONPATH=backend $(VENV)/bin/python -m loadtest.middleware_cost

nginx-cost: $(VENV)/.installed certs images reports ## Nginx's CPU per proxied request for config variants side by side (ROUNDS DURATION VARIANTS; PERF=1: a perf profile too, needs root)
	$(WITH_IMAGES) && TESTCONTAINERS_RYUK_DISABLED=true $(VENV)/bin/python -m loadtest.runner.nginx_cost

report: $(VENV)/.installed ## regenerate a report from stored results: make report RUN=reports/<dir> (RUN=docs/reference: README's answer table too)
	@test -n "$(RUN)" || { echo "usage: make report RUN=reports/<run dir>"; exit 2; }
	$(if $(filter $(abspath docs/reference),$(abspath $(RUN))),$(VENV)/bin/python -m loadtest.report.reference,$(VENV)/bin/python -m loadtest.report "$(RUN)")

reference: $(VENV)/.installed ## store a default run as docs/reference/ and rewrite README's answer table: make reference RUN=reports/<a> RUN2=reports/<b>
	@test -n "$(RUN)" || { echo "usage: make reference RUN=reports/<default run> [RUN2=reports/<the run that checks it>]"; exit 2; }
	$(VENV)/bin/python -m loadtest.report.reference "$(RUN)" $(RUN2)

reports:
	mkdir -p reports

# --require-hashes: every lock file pins every package with the sha256 of its files (`make lock`),
# so a changed file on the index fails the install instead of going in.
$(VENV)/.installed: tests/requirements.txt backend/requirements.txt backend/servers/requirements.txt loadtest/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r tests/requirements.txt -r backend/requirements.txt -r loadtest/requirements.txt
	touch $@

# Docker Swarm (loadtest/bundle/swarm.py; stack generated from docker-compose.yml by loadtest/bundle/swarm_stack.py).
# Knobs: STACK (apibundle), STORE (postgres; sqlite for one node), MONITORING=1, HTTP_PORT/HTTPS_PORT, SWARM_ADVERTISE_ADDR, TAG (swarm-deploy),
# LOCUST_WORKERS/USERS/DURATION (swarm-locust), SWARM_STORES (swarm-test: "sqlite postgres").
# The stack runs on Postgres unless STORE is given: tasks on several nodes cannot share SQLite's file.
SWARM_STORE = $(if $(filter command line environment environment override,$(origin STORE)),$(STORE),postgres)
SWARM = STORE=$(SWARM_STORE) $(VENV)/bin/python -m loadtest.bundle.swarm
export STACK STORE TAG SWARM_ADVERTISE_ADDR MONITORING SWARM_STORES

swarm-up: $(VENV)/.installed certs secrets images reports ## a single-node swarm if none, deploy the stack, wait until converged and healthy
	$(SWARM) up

swarm-deploy: $(VENV)/.installed ## roll a new app image out: make swarm-deploy TAG=<tag> (built from ./backend; rolls back if unhealthy)
	@test -n "$(TAG)" || { echo "usage: make swarm-deploy TAG=<image tag>"; exit 2; }
	$(WITH_IMAGES) && BUNDLE_TAG=$(TAG) $(COMPOSE) --profile prod build app
	$(SWARM) deploy

swarm-down: $(VENV)/.installed ## remove the stack; leave the swarm only if swarm-up created it
	$(SWARM) down

swarm-locust: $(VENV)/.installed ## Locust master + workers as Swarm services against the stack (LOCUST_WORKERS=2)
	$(SWARM) locust

swarm-test: $(VENV)/.installed certs secrets images reports ## full-length Swarm rolling update + rollback under load, with a report
	$(WITH_IMAGES) && $(VENV)/bin/python -m loadtest.resilience.swarm_updates

lint: $(VENV)/.installed ## ruff (lint + format check) and the import-layer contracts (import-linter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=backend:. $(VENV)/bin/lint-imports

format: $(VENV)/.installed ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

unit: $(VENV)/.installed ## unit tests only (no Docker)
	$(VENV)/bin/pytest -m "not containers" $(PYTEST_ARGS)

test: lint reports ## all tests: lint, unit, then container tests against real images
	$(WITH_IMAGES) && TESTCONTAINERS_RYUK_DISABLED=true $(VENV)/bin/pytest $(PYTEST_ARGS)

docs: $(VENV)/.installed ## build the docs site offline (site/)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# The lock files carry the sha256 of every file of each pinned release (--generate-hashes with
# --universal: the host's cp311 and the images' cp313 wheels alike); every install of them uses
# --require-hashes (tests/test_lock_files.py checks both).
UV_COMPILE = uv pip compile --universal --python-version 3.11 --generate-hashes -q
lock: ## re-pin the Python dependencies, with hashes (needs uv)
	cd backend && $(UV_COMPILE) requirements.in -o requirements.txt
	cd backend/servers && $(UV_COMPILE) requirements.in -o requirements.txt
	cd backend/servers && $(UV_COMPILE) requirements-compare.in -o requirements-compare.txt
	cd loadtest && $(UV_COMPILE) requirements.in -o requirements.txt
	cd tests && $(UV_COMPILE) requirements.in -o requirements.txt

clean: down ## remove containers, the data volumes and local build inputs (keeps certs and secrets)
	COMPOSE_PROFILES=$(ALL_PROFILES) $(COMPOSE) down --volumes
	rm -rf $(VENV) .build backend/servers/wheelhouse/*.whl loadtest/wheelhouse/*.whl
