# Two commands do all the set-up on a fresh machine: `make chat` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: chat test install install-test install-bench model test-models llama-server lint bench bench-sweep bench-overhead clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Optional: the llama.cpp contender for `make bench` (compiles llama.cpp, about ten minutes).
install-bench: install-test
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'

# The configured default model (configs/default.toml, or your config file).
model: $(VENV)/.installed
	$(BIN)/gruchat pull

# What the tests need: smollm2-135m (integration tests) and the configured default.
test-models: $(VENV)/.installed
	$(BIN)/gruchat pull smollm2-135m
	$(BIN)/gruchat pull

chat: model
	$(BIN)/gruchat

lint: install-test
	$(BIN)/ruff check gruchat tests bench
	$(BIN)/ruff format --check gruchat tests bench

# llama.cpp's llama-server for the remote backend's tests: built once (about 13 minutes on
# 2 cores) into ~/.cache/gruchat-dev and reused; the script prints its path.
llama-server: install-test
	PYTHON=$(BIN)/python scripts/build-llama-server.sh

test: install-test test-models
	$(BIN)/ruff check gruchat tests bench
	server="$$(PYTHON=$(BIN)/python scripts/build-llama-server.sh)" && \
	GRUCHAT_LLAMA_SERVER="$$server" $(BIN)/python -m pytest

# Benchmarks (never part of `make test`): run them on an otherwise idle machine.
bench: install-test model
	$(BIN)/python bench/run.py --docs

bench-sweep: install-test model
	$(BIN)/python bench/sweep.py

bench-overhead: install-test
	$(BIN)/python bench/overhead.py

clean:
	rm -rf $(VENV) build dist *.egg-info
