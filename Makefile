# The two commands of the README:
#   make run    create .venv from envs/requirements.txt (once) and run the default pipeline
#   make test   add envs/dev-requirements.txt (pytest, snakefmt, selenium) to the same .venv,
#               install the system tools the tests use, run every test
VENV := .venv
PYTHON := $(VENV)/bin/python
CORES ?= 2

.PHONY: run test system-deps

$(VENV)/.installed: envs/requirements.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r envs/requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed envs/dev-requirements.txt
	$(PYTHON) -m pip install --quiet -r envs/dev-requirements.txt
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/snakemake --cores $(CORES)

system-deps:
	bash tests/install_system_deps.sh

test: $(VENV)/.dev-installed system-deps
	$(PYTHON) -m pytest tests
