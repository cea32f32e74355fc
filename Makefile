# cyp-dynamics: the two commands a newcomer needs are `make lab` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888

.PHONY: setup lab present slides hub-load-test test test-fast notebooks benchmark report binder drift browser-deps clean

$(STAMP): binder/requirements.txt tests/requirements.txt hub/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r binder/requirements.txt -r tests/requirements.txt -r hub/requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## setup: create .venv with the pinned course environment and the library
setup: $(STAMP)

## lab: set up, then open JupyterLab at the course's start page
# As root (a container or cloud machine) JupyterLab refuses to start without --allow-root; with
# no screen it cannot open a browser, so it is told not to try and the address is printed instead.
lab: setup
	@flags=""; \
	if [ "$$(id -u)" = 0 ]; then flags="--allow-root"; \
		echo "Running as root (a container or cloud machine): starting JupyterLab with --allow-root."; fi; \
	if [ "$$(uname)" = Linux ] && [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then flags="$$flags --no-browser"; \
		echo "No screen here: open the address JupyterLab prints below (http://127.0.0.1:$(PORT)/lab?token=...) in your browser."; fi; \
	exec $(BIN)/jupyter lab --port=$(PORT) $$flags course/START_HERE.ipynb

## present: show a module's explorer to a room as a clean app (Voilà, offline): make present MODULE=03
MODULE ?= 02
present: setup
	$(BIN)/python -m cyp_dynamics.course.present $(MODULE)

## slides: rebuild the offline HTML slide decks in course/slides/html/ from course/slides/*.md
slides: setup
	$(BIN)/python -m cyp_dynamics.course.slides

## hub-load-test: sign in USERS simulated trainees (default 10) to the workshop hub on this machine
## (127.0.0.1 only, at most 300 s) and print users held, p95 cell time and memory per trainee
hub-load-test: setup
	@command -v configurable-http-proxy >/dev/null || [ -x hub/node_modules/.bin/configurable-http-proxy ] || \
		(cd hub && npm ci --silent)
	PATH="$(CURDIR)/hub/node_modules/.bin:$$PATH" $(BIN)/python hub/load_test.py --users $(or $(USERS),10) --time-limit 300

## browser-deps: Debian's Chromium and ChromeDriver for the browser tests (needs root)
browser-deps:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "Chromium not installed and not root: browser tests will be skipped."; fi

## test: set up, then run every test (library, notebooks under nbval, browser)
test: setup browser-deps
	$(BIN)/python -m cyp_dynamics.course.build --check
	$(BIN)/python -m cyp_dynamics.course.slides --check
	$(BIN)/python -m pytest

## test-fast: library tests only, no notebooks or browser
test-fast: setup
	$(BIN)/python -m pytest tests -m "not browser"

## notebooks: regenerate modules/ and solutions/ from notebook_sources/
notebooks: setup
	$(BIN)/python -m cyp_dynamics.course.build

## benchmark: print the speed figures of every benchmark script in benchmarks/
benchmark: setup
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

## report: run every notebook in a fresh kernel and print its times
report: setup
	$(BIN)/python scripts/notebook_report.py

## binder: simulate a Binder build from binder/ alone and run every notebook in it
binder:
	bash scripts/simulate_binder_build.sh

## drift: the whole suite against the newest releases of the top-level packages
drift:
	bash scripts/dependency_drift.sh

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis tests/browser/artifacts
