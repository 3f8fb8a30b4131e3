# doorstep — two commands: `make run` (demo city at http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
APT    := DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup dev system-deps browser-deps messages ci clean

run: setup messages
	$(BIN)/doorstep migrate --no-input
	$(BIN)/doorstep demo
	$(BIN)/doorstep serve --port 8000 --with-worker

test: dev messages
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEVSTAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: system-deps $(STAMP)

dev: system-deps browser-deps $(DEVSTAMP)

# gettext compiles the translations; installed from Debian's packages if missing.
system-deps:
	@command -v msgfmt >/dev/null || { echo "installing gettext"; $(SUDO) apt-get update -q >/dev/null; $(SUDO) $(APT) gettext; }

# Debian's chromium drives the page tests (Playwright uses it through executable_path).
browser-deps:
	@command -v chromium >/dev/null || { echo "installing chromium"; $(SUDO) apt-get update -q >/dev/null; $(SUDO) $(APT) chromium; }

messages: $(STAMP)
	cd doorstep && ../$(BIN)/doorstep compilemessages --ignore '.venv' -v 0

clean:
	rm -rf $(VENV) data build *.egg-info
