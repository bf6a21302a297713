# Two commands on a fresh machine: `make book` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: book book-all test test-fast rerun sweep check-html bench bench-build bench-scaling fuzz clean clean-reruns venv lock

venv: $(STAMP)

# Installs the exact versions CI tested (requirements.lock, made from the ranges in
# requirements.txt by `make lock`), then the repo's `lib` in editable mode.
$(STAMP): requirements.lock pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -r requirements.lock
	touch $(STAMP)

## Re-resolve requirements.lock from the ranges in requirements.txt (uv; needs PyPI).
lock:
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q uv
	$(BIN)/uv pip compile requirements.txt -o requirements.lock --python-version 3.11.7 \
	  --python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock" --annotation-style line

## Build the HTML book; fails on any warning or cell error. Incremental: Sphinx re-reads only the
## pages whose source changed, and notebooks are executed through jupyter-cache
## (_build/.jupyter_cache): only those whose code changed since the last build run. A second
## `make book` with nothing changed executes nothing and takes seconds.
book: $(STAMP)
	$(BIN)/jupyter-book build . -W --keep-going
	$(BIN)/pytest -q -m build tests/book/test_build_output.py

## Everything from scratch: empty cache, every page re-read and every notebook executed (CI; after a
## change to lib/ or data/, which the cache does not see).
book-all: $(STAMP)
	rm -rf _build/.jupyter_cache _build/book_results
	$(BIN)/jupyter-book build . --all -W --keep-going
	$(BIN)/pytest -q -m build tests/book/test_build_output.py

## Unit tests of lib + every notebook rerun at small parameters through lib.rerun.
test: $(STAMP)
	$(BIN)/pytest -q -n 2 -m "not build"

## Unit tests only (seconds).
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not build and not notebook"

## Check the built HTML (after `make book`): the structural tests, then every page opened in headless
## Chromium (MathJax errors and unknown macros, untypeset maths, broken images, JavaScript errors,
## network requests; lib/book/check_html.py). Needs `apt-get install -y chromium`.
check-html: $(STAMP)
	$(BIN)/pytest -q -m build tests/book/test_build_output.py
	$(BIN)/python -m lib.book.check_html _build/html

## The book as one PDF, _build/pdf/book.pdf (after `make book`): every page printed by headless
## Chromium with the print stylesheet, in table-of-contents order (lib/book/pdf.py).
pdf: $(STAMP)
	$(BIN)/python -m lib.book.pdf _build/html --out _build/pdf/book.pdf

## Rerun one notebook: make rerun NB=chapters/offshoring/03_comparative_statics.md ARGS="-p sigma 4.2"
rerun: $(STAMP)
	$(BIN)/python -m lib.rerun $(NB) $(ARGS)

## Sweep a notebook over a grid through Dask (one worker per core), e.g.
## make sweep NB=chapters/offshoring/03_comparative_statics.md ARGS="--grid sigma=3:4.3:14 --collect w,v --out /tmp/sigma"
sweep: $(STAMP)
	$(BIN)/python -m lib.sweep $(NB) $(ARGS)

## Fuzz every notebook: each parameter in turn set to 0, -1, 1e-320, 1e300, nan, inf, -inf, 10**30
## and "abc"; every case must finish with finite results or fail within 60 s naming the parameter.
## Outcomes in _build/fuzz/fuzz_outcomes.csv. CI runs a fixed sample of 40 (tests/book/test_fuzz_sample.py).
fuzz: $(STAMP)
	$(BIN)/python tests/fuzz/fuzz_notebooks.py --jobs 2 --csv _build/fuzz/fuzz_outcomes.csv $(ARGS)

## Print benchmark timings (scripts in tests/benchmarks/).
bench: $(STAMP)
	for f in tests/benchmarks/bench_*.py; do case "$$f" in *bench_scaling.py|*bench_build.py) continue;; esac; \
	  echo "== $$f"; $(BIN)/python $$f || exit 1; done

## Build benchmark (minutes): a clean build and a second, unchanged one, in a temporary clone; writes
## data/performance/build_times.csv (shown on the performance page).
bench-build: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_build.py $(ARGS)

## Scaling benchmark (minutes): FE at 47-1,000 regions, granular at 225-1,724 zones; writes
## data/performance/scaling.csv, scaling_slopes.csv and scaling.png (shown on the performance page).
bench-scaling: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_scaling.py $(ARGS)

## Remove build outputs; users' reruns and sweeps in _build/reruns are kept (see clean-reruns).
clean:
	if [ -d _build ]; then find _build -mindepth 1 -maxdepth 1 ! -name reruns -exec rm -rf {} +; fi
	rm -rf build

## Remove the reruns and sweeps kept in _build/reruns (the default output of lib.rerun and lib.sweep).
clean-reruns:
	rm -rf _build/reruns
