# CX Navigator. The two commands: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TQDM_DISABLE := 1
export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore:::matplotlib._mathtext,ignore:::matplotlib.fontconfig_pattern

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
DOMAIN := bot/domain
DATA := data/nlu data/stories data/rules
RESULTS := var/results

.PHONY: run test bench demo-data setup web browser lint validate train pytest test-stories nlu-report seed clean

## run: set up if needed, seed, train if content changed, start every service
run: setup web
	@$(PY) -m bot.stack

## test: the whole suite, from a fresh clone
test: setup browser lint validate train pytest test-stories nlu-report
	@echo "make test: all checks passed"

## bench: load test of the stack (1 and 2 replicas on Redis) against a stock `rasa init`
bench: setup web train
	$(PY) -m tests.bench.run

## demo-data: replay demo conversations through the running assistant; DELETE=1 removes them
demo-data: setup
	$(PY) -m bot.insights.demo $(if $(DELETE),--delete,)

setup:
	@scripts/setup-venv

## web: front-end packages (npm ci); browser: also Debian's Chromium for the browser tests
web:
	@scripts/setup-web

browser:
	@scripts/setup-web --browser

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

validate: setup
	$(RASA) data validate --config config.yml --domain $(DOMAIN) --data $(DATA)

train: setup
	@$(PY) -m bot.training > /dev/null

pytest: setup browser train
	$(PY) -m pytest

test-stories: setup train
	$(RASA) test core --model "$$($(PY) -m bot.training)" --stories tests/stories \
		--fail-on-prediction-errors --out $(RESULTS)/stories

## nlu-report: intent accuracy, macro F1, out-of-scope precision/recall on the held-out split,
## then routes, off-topic and useful answers on real people's words (tests/nlu/real_people.yml)
nlu-report: setup train
	@mkdir -p $(RESULTS)
	$(RASA) test nlu --model "$$($(PY) -m bot.training)" --nlu tests/nlu/holdout.yml \
		--out $(RESULTS)/nlu > $(RESULTS)/nlu.log 2>&1 || { tail -40 $(RESULTS)/nlu.log; exit 1; }
	$(PY) -m tests.nlu.report $(RESULTS)/nlu
	$(PY) -m tests.nlu.real_people "$$($(PY) -m bot.training)" --floors \
		--out $(RESULTS)/real_people.json 2> $(RESULTS)/real_people.log

## seed: load the catalog and agency demo records into empty databases
seed: setup
	$(PY) -m bot.catalog.seed
	$(PY) -m agencies.seed

clean:
	rm -rf var models $(RESULTS)
