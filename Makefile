# The two commands a newcomer types: `make demo` and `make test`. Everything else is their plumbing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
DEV := KECHUANG_DEBUG=1
HOST ?= 127.0.0.1:8000
ENTERPRISES ?= 3000
SEED ?= 2026
PYTEST_ARGS ?=

.PHONY: install demo serve test lint browser messages clean api-check prod-check

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Migrate the embedded SQLite database, load the demo city once, then serve it with the task worker.
demo: install
	$(DEV) $(BIN)/kechuang migrate --noinput -v 0
	$(DEV) $(BIN)/kechuang demo --if-empty --enterprises $(ENTERPRISES) --seed $(SEED)
	@$(MAKE) --no-print-directory serve

serve: install
	@$(DEV) $(BIN)/kechuang run_huey --quiet & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Kechuang is at http://$(HOST)/  (Ctrl-C stops it)"; \
	$(DEV) $(BIN)/kechuang runserver $(HOST) --noreload

# The tests need three Debian packages: chromium (browser tests), gettext (the translation check) and
# fonts-wqy-microhei (the CJK font every PDF embeds; the application needs it too). Install them when we
# may (root), else say how.
browser:
	@{ command -v chromium && command -v xgettext && find /usr/share/fonts -name wqy-microhei.ttc | grep -q .; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei gettext >/dev/null; \
	  else echo "The tests need Debian's chromium, gettext and fonts-wqy-microhei: sudo apt-get install chromium gettext fonts-wqy-microhei" >&2; exit 1; fi; }

test: install browser
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# Schemathesis over every API operation as a bureau staff member and as a district bureau, against the app
# started on loopback with a throw-away database (tests/api_check.py); fails on any server error, undocumented
# status code, response not matching its schema, or schema-valid request refused.
api-check: install
	$(BIN)/python tests/api_check.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The production topology on this machine: nginx, two app servers, two workers, PostgreSQL and Redis,
# a sign-in, an import and its policy push through them (deploy/check.py; CI runs it after the tests).
prod-check: install
	$(BIN)/python deploy/check.py

# Refresh the English catalogue from the code and compile it; then translate what it lists as untranslated
# or fuzzy (tests/core/test_i18n.py refuses both).
messages: install
	cd kechuang && DJANGO_SETTINGS_MODULE=kechuang.settings ../$(BIN)/python -m django makemessages -l en --no-location -i 'static/*' -i 'engines/*' -v 0
	@msgattrib --untranslated kechuang/locale/en/LC_MESSAGES/django.po | grep -c '^msgid ' | xargs -I{} echo "untranslated entries (plus the header): {}"
	@msgattrib --only-fuzzy kechuang/locale/en/LC_MESSAGES/django.po | grep -c '^msgid ' | xargs -I{} echo "fuzzy entries (plus the header): {}"
	cd kechuang && DJANGO_SETTINGS_MODULE=kechuang.settings ../$(BIN)/python -m django compilemessages -l en -v 0

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
