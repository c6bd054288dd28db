# Two commands are the whole set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SW := $(BIN)/speechwriter
DEMO_FACTS := fixtures/facts/work_report_gongqingfu.yaml
DEMO_OUT := build/demo

.PHONY: demo test lint docs bench preview screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Stamps make a second run a no-op unless pyproject.toml changed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(SW) facts check $(DEMO_FACTS)
	@mkdir -p build
	$(SW) draft $(DEMO_FACTS) -o $(DEMO_OUT) --export docx,reading --force --allow-gaps
	@printf '%s\n' '命令已装在 $(SW)：直接这样运行，或先 source $(BIN)/activate（Windows：.venv\Scripts\activate）'

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench evals docs
	$(BIN)/lint-imports --no-cache

test: lint
	$(BIN)/python -m pytest -q

# The user guide as a site in build/site (the tests build it strictly too).
docs: $(VENV)/.installed-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -q

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run_all.py

# Visual check of the 公文 layout: docx -> PDF (LibreOffice) -> PNG of the first page, which is also
# the README's page image (docs/gbt9704-page1.png).
preview: demo
	$(SW) export $(DEMO_OUT).json --format pdf -o build/demo.pdf --force --allow-gaps
	pdftoppm -png -r 80 -f 1 -l 1 -singlefile build/demo.pdf build/demo-page
	cp build/demo-page.png docs/gbt9704-page1.png
	@echo "预览：build/demo-page.png（已更新 docs/gbt9704-page1.png）"

# The README's screenshots of the eval report and a refine session (needs chromium).
screenshots: $(VENV)/.installed-dev
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) build .pytest_cache
