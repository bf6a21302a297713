# Two commands on a fresh machine: `make book` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: book test test-fast rerun check-html bench clean venv

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -r requirements.txt
	touch $(STAMP)

## Build the HTML book with every notebook executed; fails on any warning or cell error.
book: $(STAMP)
	$(BIN)/jupyter-book build . --all -W --keep-going
	$(BIN)/pytest -q -m build tests/test_build_output.py

## Unit tests of lib + every notebook rerun at small parameters through lib.rerun.
test: $(STAMP)
	$(BIN)/pytest -q -n 2 -m "not build"

## Unit tests only (seconds).
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not build and not notebook"

## Check the built HTML (after `make book`).
check-html: $(STAMP)
	$(BIN)/pytest -q -m build tests/test_build_output.py

## Rerun one notebook: make rerun NB=chapters/offshoring/03_comparative_statics.md ARGS="-p sigma 4.2"
rerun: $(STAMP)
	$(BIN)/python -m lib.rerun $(NB) $(ARGS)

## Print benchmark timings (scripts in tests/benchmarks/).
bench: $(STAMP)
	for f in tests/benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf _build
