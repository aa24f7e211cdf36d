# policylens — every target does its own set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PL := $(VENV)/bin/policylens
INPUT ?= corpus/samples
DB ?= policylens.duckdb
REPORT ?= $(basename $(DB)).html
WORKERS ?=
SHARED ?= ../shared

.PHONY: help setup run test bench models train evaluate clean

help:
	@echo "make run [INPUT=folder] [DB=file]  — process documents into DuckDB and write the HTML report"
	@echo "make test                          — the full test suite"
	@echo "make bench                         — benchmarks (writes bench/results.json)"
	@echo "make models / make train           — retrain the English tagger / the challenge classifier"
	@echo "make evaluate                      — print every evaluation"

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (>= 3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dask,test]' --config-settings editable_mode=compat
	touch $@

setup: $(VENV)/.installed

run: setup
	$(PL) run $(INPUT) --db $(DB) $(if $(WORKERS),--workers $(WORKERS))
	$(PL) report --db $(DB) --out $(REPORT)
	@echo "database: $(abspath $(DB))"
	@echo "report:   $(abspath $(REPORT))"

test: setup
	$(PY) -m pytest -q -p no:cacheprovider

bench: setup
	$(PY) bench/run.py --shared $(SHARED) --out bench/results.json

models: setup
	$(PY) -m pipeline.tag.train --shared $(SHARED) --out models/en_tagger

train: setup
	$(PY) -m pipeline.classify.train --shared $(SHARED) --out models/challenges
	$(PY) -m pipeline.measures.train --shared $(SHARED) --out models/measures

evaluate: setup
	$(PL) evaluate segmenter
	$(PL) evaluate tagger
	$(PL) evaluate entities
	$(PL) evaluate classifier
	$(PL) evaluate measures

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache policylens.duckdb policylens.html
