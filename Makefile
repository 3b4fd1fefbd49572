# The front door. Every target installs what it needs (scripts/install-deps.sh is idempotent),
# configures and builds. See README.md.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all build deps test lint demo demo-cli cluster-demo bench corpus clean

all: build

deps:
	@bash scripts/install-deps.sh build

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

corpus:
	@bash scripts/install-deps.sh test
	@bash scripts/corpus.sh >/dev/null

lint: build
	@bash scripts/lint.sh $(BUILD)

test: corpus build
	@bash scripts/lint.sh $(BUILD)
	cd $(BUILD) && HIRESYNC_CORPUS=$(CURDIR)/$(BUILD)/corpus/spamassassin ctest --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)

demo-cli: build
	@bash scripts/cli-demo.sh $(BUILD)

# Three nodes on one PostgreSQL behind haproxy (issue 12); needs postgresql-15 and haproxy.
cluster-demo: build
	@bash scripts/install-deps.sh cluster
	@bash scripts/cluster.sh $(BUILD)

bench:
	@bash scripts/install-deps.sh bench
	@bash scripts/corpus.sh >/dev/null
	$(MAKE) build
	@bash bench/run.sh

clean:
	rm -rf $(BUILD)
