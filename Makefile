# marginalia: `make run` runs the workflow on the embedded corpus, `make test` runs the tests.
# Both create .venv (Python >= 3.12) on first use and install the pinned requirements.

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
CORES   ?= 4
PYTEST_ARGS ?=
# CONFIG=my.yaml: a config laid over config/config.yaml (make run, evaluate, validate-model)
CONFIG  ?=
# BROWSER=0: make test neither installs Chromium nor runs the browser test
BROWSER ?= 1
CONFIG_ARGS := $(if $(CONFIG),--configfile $(CONFIG),)

.PHONY: run report test lint format evaluate validate-model mutate perf browser clean help

help:  ## list the targets
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | \
	  awk -F'\t' '{ printf "make %-15s %s\n", $$1, $$2 }'

# Find a Python >= 3.12: python3.12 on PATH, then newer ones, then pyenv's installed versions.
# (A pyenv shim on PATH may exist but fail unless selected, so every candidate is run, not
# just looked up.)
$(PY):
	@set -e; py=""; \
	root=$$(pyenv root 2>/dev/null || echo "$${PYENV_ROOT:-$$HOME/.pyenv}"); \
	for c in python3.12 python3.13 python3.14 python3 \
	         $$root/versions/3.12*/bin/python3.12 $$root/versions/3.1[3-9]*/bin/python3; do \
	  if "$$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
	    py="$$c"; break; fi; \
	done; \
	if [ -z "$$py" ]; then \
	  echo "error: marginalia needs Python >= 3.12. Tried python3.12, python3.13, python3.14," >&2; \
	  echo "       python3 and $$root/versions/3.12*/bin/python3.12; none of them ran." >&2; \
	  echo "       Install Python 3.12 (e.g. 'pyenv install 3.12') and run make again." >&2; \
	  exit 1; fi; \
	echo "creating $(VENV) with $$py ($$($$py --version))"; \
	"$$py" -m venv $(VENV)

$(STAMP): $(PY) requirements.lock pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

run: $(STAMP)  ## run the workflow (config/config.yaml; CONFIG=my.yaml adds yours; CORES=N, default 4)
	$(VENV)/bin/snakemake --cores $(CORES) $(CONFIG_ARGS)

report: $(STAMP)  ## print the path of the report (CONFIG=my.yaml: of that run); opens nothing
	@$(PY) -m marginalia report-path $(CONFIG)

# Headless Chromium for the report test: Debian's package, installed when missing and we are root.
browser:  ## install Debian's chromium for the browser test (when root and missing; BROWSER=0 skips)
	@if [ "$(BROWSER)" = 0 ]; then echo "BROWSER=0: no Chromium, the browser test is skipped"; \
	elif ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: chromium not found; the browser test will be skipped"; fi; \
	fi

test: $(STAMP) browser  ## run the whole test suite (BROWSER=0: without installing Chromium)
	$(VENV)/bin/python -m pytest $(if $(filter 0,$(BROWSER)),-m "not browser",) $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff, snakefmt --check, snakemake --lint, lint-imports (layer contracts)
	$(VENV)/bin/ruff check src tests workflow/scripts benchmarks
	$(VENV)/bin/snakefmt --check Snakefile workflow/rules
	$(VENV)/bin/snakemake --lint --cores 1
	$(VENV)/bin/lint-imports

format: $(STAMP)  ## ruff format and snakefmt
	$(VENV)/bin/ruff format src tests workflow/scripts benchmarks
	$(VENV)/bin/snakefmt Snakefile workflow/rules

evaluate: $(STAMP)  ## score extraction against the gold standard (needs ../shared/eval)
	$(VENV)/bin/snakemake --cores $(CORES) evaluate $(CONFIG_ARGS)

validate-model: $(STAMP)  ## simulation-based check of the model
	$(VENV)/bin/snakemake --cores $(CORES) validate_model $(CONFIG_ARGS)

# Mutation testing: mutmut (pinned in requirements-mutate.txt) over the modules listed under
# [tool.mutmut] in pyproject.toml; works in ./mutants, prints the killed/survived counts.
$(VENV)/.mutate: $(STAMP) requirements-mutate.txt
	$(PY) -m pip install --quiet -r requirements-mutate.txt
	@touch $@

mutate: $(VENV)/.mutate  ## mutation testing of the power flags, SEs and report values (mutmut; slow, not in CI)
	$(VENV)/bin/mutmut run --max-children $(CORES) || true
	$(VENV)/bin/mutmut export-cicd-stats >/dev/null 2>&1 || true
	@$(PY) -c 'import json; s = json.load(open("mutants/mutmut-cicd-stats.json")); \
	  n = s["killed"] + s["survived"]; \
	  print("mutants: killed", s["killed"], "survived", s["survived"], \
	        "(survival %.1f%%)" % (100 * s["survived"] / max(n, 1)), "timeout", s["timeout"], \
	        "no tests", s["no_tests"], "skipped", s["skipped"])'

perf: $(STAMP)  ## time extraction (benchmarks/bench_extract.py); not part of the tests
	$(PY) benchmarks/bench_extract.py

clean:  ## remove results (the default outdir), logs, .snakemake and mutants
	rm -rf results logs .snakemake mutants
