# make test: create .venv if missing, install the project with every extra, run the whole suite.
# make demo: the same set-up, then the project's main job.
# make docs: the same set-up, then the documentation site into site/ (mkdocs build --strict).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo install typecheck lint bench docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e ".[all,dev]"
	# the GE2E speaker weights only: resemblyzer's own requirements (webrtcvad, librosa) are never imported
	$(BIN)/python -m pip install --no-deps "resemblyzer==0.1.4"
	touch $(STAMP)

install: $(STAMP)

# OpenMP threads wait passively (as the neuraltypes command does): spinning waits slow a shared, busy machine
test: $(STAMP)
	OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-PASSIVE} $(BIN)/python -m pytest

demo: $(STAMP)
	$(BIN)/python examples/demo.py

typecheck: $(STAMP)
	$(BIN)/mypy --strict src/neuraltypes src/collections/neuraltypes_collections
	$(BIN)/pyright --pythonpath $(BIN)/python src/neuraltypes

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples

bench: $(STAMP)
	$(BIN)/python benchmarks/contract_overhead.py

# the documentation site (MkDocs + Material + mkdocstrings) into site/, warnings as errors
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache site
