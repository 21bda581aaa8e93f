# clusterops.ha — the two commands that matter:
#   make lab    set up everything, start a 3-node lab cluster (LAB_NODES=5 for five) and run site.yml
#               (LAB_SUITE=trixie: Debian 13 nodes, Pacemaker 3.0; bookworm, Debian 12, is the default)
#   make test   lint, sanity, unit tests and every Molecule scenario
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
COLL := $(CURDIR)/.build/collections
export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLL)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0
SCENARIOS ?= $(sort $(patsubst molecule/%/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))
LAB_NODES ?= 3
export LAB_NODES
# LAB_SERVICES="postgresql fileshare": the lab also runs PostgreSQL under Pacemaker and a Samba file service on a
# shared disk (docs/storage.md).
LAB_SERVICES ?= web
export LAB_SERVICES
# The lab's Debian release. bookworm stays the default while most production clusters still run it and
# the upgrade path (bookworm -> trixie) is what they face; trixie nodes are one setting away.
LAB_SUITE ?= bookworm
LAB_BASE_IMAGE ?= debian:$(LAB_SUITE)
LAB_NODE_IMAGE ?= clusterops/ha-node:$(LAB_SUITE)
export LAB_SUITE LAB_BASE_IMAGE LAB_NODE_IMAGE

.PHONY: help venv collection engine images images-trixie images-all tools lab lab-up lab-down lab-status test lint sanity unit molecule build bench bench-cib bench-rolling bench-failover bench-major bench-storage bench-dr bench-scale clean

help:
	@echo "make lab        set up and start the lab cluster, then run playbooks/site.yml against it (LAB_SUITE=trixie for Debian 13,"
	@echo "                LAB_SERVICES='postgresql fileshare' for a replicated PostgreSQL and a file share too)"
	@echo "make lab-down   remove the lab's containers and network"
	@echo "make test       lint + sanity + unit + molecule ($(SCENARIOS))"
	@echo "make unit | lint | sanity | molecule [SCENARIOS=default] | build | ee | bench"

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

venv: $(VENV)/.installed

# The collection as Ansible finds it: .build/collections/ansible_collections/clusterops/ha -> this checkout.
collection:
	@mkdir -p $(COLL)/ansible_collections/clusterops
	@ln -sfn $(CURDIR) $(COLL)/ansible_collections/clusterops/ha

engine:
	bash lab/engine.sh

# Controller tools: Graphviz renders playbooks/document.yml's diagram (optional for users); the failover
# scenario opens a drill report's HTML page in Debian's headless Chromium and checks the screenshot;
# ansible-test sanity runs shellcheck. Every apt install of the tests is here, so no two run at once.
tools:
	@missing=""; command -v dot >/dev/null || missing="graphviz"; command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v shellcheck >/dev/null || missing="$$missing shellcheck"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y -qq $$missing >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq $$missing >/dev/null); \
	  else echo "tools: $$missing missing (apt-get install $$missing)"; fi; \
	fi

images: engine
	bash lab/image.sh

# Both releases' node images: the Molecule scenarios run on bookworm, and health on trixie (Debian 13);
# with make -j the two are built at once.
images-trixie: engine
	LAB_SUITE=trixie LAB_BASE_IMAGE=debian:trixie LAB_NODE_IMAGE=clusterops/ha-node:trixie bash lab/image.sh

images-all: images images-trixie

lab-up: venv collection images
	bash lab/up.sh

lab: lab-up
	ansible-playbook -i lab/inventory.yml playbooks/site.yml
	ansible-playbook -i lab/inventory.yml playbooks/lab_status.yml

lab-status: venv collection
	ansible-playbook -i lab/inventory.yml playbooks/lab_status.yml

lab-down:
	bash lab/down.sh

# The checks and the node images side by side (lint, sanity and unit are one process each on this 2-core
# machine, the image build mostly waits on Debian's mirror; each target's output printed whole when it
# ends), then the scenarios.
test: venv collection tools
	$(MAKE) --no-print-directory -j 4 --output-sync=target lint sanity unit ee images-all
	$(MAKE) --no-print-directory molecule

unit: venv collection
	$(BIN)/python -m pytest -q tests/unit

lint: venv collection
	@# Molecule's prerun installs a copy of this collection there; an old copy would shadow this tree.
	rm -rf $(HOME)/.ansible/collections/ansible_collections/clusterops
	$(BIN)/ansible-lint --offline --profile production

# ansible-test wants the collection at .../ansible_collections/<ns>/<name>: run it in a copy of the
# files git knows (tracked and untracked-but-not-ignored), which is what would be released.
sanity: venv tools
	@command -v shellcheck >/dev/null || echo "sanity: shellcheck missing; its test is skipped"
	@pipver=$$(sed -n "s/.*pip='\([0-9.]*\)'.*/\1/p" $(VENV)/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | head -n1); \
	  mkdir -p $$HOME/.ansible/test/cache && \
	  cp .ci/get_pip_offline.py $$HOME/.ansible/test/cache/get_pip_$${pipver//./_}.py
	rm -rf .build/sanity && mkdir -p .build/sanity/ansible_collections/clusterops/ha
	git ls-files -co --exclude-standard -z | xargs -0 -I{} cp -P --parents {} .build/sanity/ansible_collections/clusterops/ha/
	cd .build/sanity/ansible_collections/clusterops/ha && git init -q && git add -A && \
	  $(BIN)/ansible-test sanity --venv --python 3.11 --color no

# MOLECULE_JOBS scenarios at a time (2 on this 2-core machine: they mostly wait on the cluster).
# Logs in .build/molecule/, wall times in .build/molecule-times.tsv (bench/results/ci_time.json).
MOLECULE_JOBS ?= 2
export MOLECULE_JOBS
molecule: venv collection images-all tools
	bash tests/molecule.sh $(SCENARIOS)

build: venv
	rm -rf .build/dist && mkdir -p .build/dist
	$(BIN)/ansible-galaxy collection build --force --output-path .build/dist .

# The AWX / AAP execution environment's build context (ee/execution-environment.yml, docs/awx.md), written with
# ansible-builder from the collection's tarball, and what ansible-builder reads from the collection (its
# meta/execution-environment.yml) checked. Building the image needs registries this machine does not reach.
ee: build
	rm -rf .build/ee && mkdir -p .build/ee
	$(BIN)/ansible-builder create -f ee/execution-environment.yml -c .build/ee/context --output-filename Containerfile >/dev/null
	$(BIN)/ansible-galaxy collection install --force -p .build/ee/collections .build/dist/clusterops-ha-*.tar.gz >/dev/null
	$(BIN)/ansible-builder introspect .build/ee/collections > .build/ee/introspect.yml
	$(BIN)/python ee/check.py .build/ee

bench: venv collection images
	bash bench/deploy/run.sh
	bash bench/cib_apply/run.sh
	bash bench/rolling_update/run.sh
	bash bench/failover/run.sh

# 3, 9 and 16 nodes: fresh deploy, no-op rerun, health, memory, corosync's timing (about half an hour; SIZES="3 9").
bench-scale: venv collection images
	$(BIN)/python bench/scale/run.py $(SIZES)

bench-cib: venv collection images
	bash bench/cib_apply/run.sh

bench-rolling: venv collection images
	bash bench/rolling_update/run.sh

# Debian 12 -> 13 node by node on a 3-node lab (downloads from the mirror; about half an hour).
bench-major: venv collection images
	bash bench/major_upgrade/run.sh

bench-failover: venv collection images
	bash bench/failover/run.sh

# The database and the file service under a switchover, a crash and a partition, writes counted (about 10 minutes).
bench-storage: venv collection images
	bash bench/storage/run.sh

# Geo cluster: switchovers, a site crash and a partition against the ticket's bound (about 10 minutes).
bench-dr: venv collection images
	bash bench/dr/run.sh

clean: lab-down
	rm -rf .build
