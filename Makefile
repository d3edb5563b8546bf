# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: bundle run test check bench faults superuser clean assets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# What `make run` serves with: the runtime and the local tagger (production with Rekognition
# installs requirements.txt alone).
$(VENV)/.runtime-installed: requirements.txt requirements-local-tagger.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-local-tagger.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

# A per-checkout secret key and debug mode for local use; git ignores this file.
.env: | $(BIN)/python
	@$(BIN)/python -c "import secrets; print(f'DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}\nDJANGO_DEBUG=true')" > $@
	@echo "Wrote .env with a new secret key."

## assets: front-end packages from npm (Chart.js), copied into static/vendor/
static/vendor/chart.umd.min.js: package.json package-lock.json
	bash scripts/assets.sh

assets: static/vendor/chart.umd.min.js

## run: install, migrate and serve http://127.0.0.1:8000 with the embedded defaults
run: $(VENV)/.runtime-installed .env assets
	bash scripts/exiftool.sh
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	@echo
	@echo "  Pictura is starting on http://127.0.0.1:8000"
	@echo "  Sign in: create an account at http://127.0.0.1:8000/accounts/register/"
	@echo "           (or run 'make superuser' for an account that can also use /admin/)."
	@echo "  Files go to ./media, the database is ./db.sqlite3, tasks run in this process;"
	@echo "  a sweeper beside it retries work that failed (storage unavailable, say)."
	@echo
	$(BIN)/python manage.py sweep --every 60 & trap 'kill $$!' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000

## test: install what the tests need, start their servers, run the whole suite
test: $(VENV)/.dev-installed .env assets
	bash scripts/test.sh

## check: the fast loop while working: lint, the import contract, the tests that need no server
check: $(VENV)/.dev-installed .env
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	env -u DATABASE_URL -u REDIS_URL PICTURA_TEST_DB=memory \
	  $(BIN)/python -m pytest -q -n 2 -m "not (s3 or worker or browser or slow)"

## bundle: the Elastic Beanstalk source bundle, dist/pictura-<commit>.zip (what .ebignore keeps)
bundle: $(VENV)/.runtime-installed
	$(BIN)/python scripts/bundle.py

## bench: ingest throughput against the bare decode rate
bench: $(VENV)/.runtime-installed .env
	$(BIN)/python bench/ingest.py

## faults: break the real stack (Redis, workers, S3, the database) while uploading; prints a table
faults: $(VENV)/.dev-installed
	$(BIN)/python bench/faults.py

superuser: $(VENV)/.runtime-installed .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createsuperuser

clean:
	rm -rf $(VENV) staticfiles .test-services .pytest_cache node_modules static/vendor
