# The two set-up commands of the README:
#   make demo   start the server on the embedded SQLite default with a demo exercise; prints join links
#   make test   run the whole test suite (installs what it needs first)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# two stamps: the server's own dependencies (enough for demo and serve), and the test and benchmark
# extras on top of them (Playwright, schemathesis, eventsourcing, psycopg, ...), which only test and
# bench need
SERVER := $(VENV)/.installed-server
STAMP  := $(VENV)/.installed

.PHONY: demo serve test chromium bench clean

$(SERVER): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e .
	touch $(SERVER)

$(STAMP): $(SERVER)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	touch $(STAMP)

demo: $(SERVER)
	$(BIN)/ttx serve --demo

serve: $(SERVER)
	$(BIN)/ttx serve

chromium:
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench all

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
