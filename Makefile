# Thin wrapper over CMake. `make` builds build/fcindex; `make test` runs the
# whole suite under AddressSanitizer + UndefinedBehaviorSanitizer against a
# private PostgreSQL and Redis; `make run` starts the system.
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc)
BUILD ?= build
TEST_BUILD ?= build-asan

.PHONY: all build deps test soak run services-up services-down clean docs fuzz install uninstall deb

all: build

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/deps

$(TEST_BUILD)/CMakeCache.txt:
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFC_SANITIZE=ON >/dev/null

# The release build comes first: its optimiser sees warnings (-Werror) the
# sanitizer build does not, and `make run` needs it.
test: deps build $(TEST_BUILD)/CMakeCache.txt
	@cmake --build $(TEST_BUILD) -j $(JOBS)
	@scripts/services up --test
	@eval "$$(scripts/services env)" && \
	  ctest --test-dir $(TEST_BUILD) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The soak test (tests/integration/test_soak.c) with a live phase of DURATION
# (e.g. 5m, 30m, 1h) instead of the 70 s `make test` gives it; it prints its
# figures at the end. fcindex runs under the sanitizers; the simulator (and
# its ground truth, several minutes of work for a long run) from the release
# build.
DURATION ?= 30m
soak: deps build $(TEST_BUILD)/CMakeCache.txt
	@cmake --build $(TEST_BUILD) -j $(JOBS) --target test_soak fcindex hubsim
	@scripts/services up --test
	@eval "$$(scripts/services env)" && FCT_SOAK_DURATION=$(DURATION) \
	  FCINDEX_SOURCE_DIR=$(CURDIR) FCINDEX_BIN=$(CURDIR)/$(TEST_BUILD)/fcindex \
	  HUBSIM_BIN=$(CURDIR)/$(BUILD)/hubsim \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  $(TEST_BUILD)/tests/test_soak

run: deps build
	@scripts/services up
	@scripts/run-demo

# `make install PREFIX=/usr DESTDIR=/tmp/root`; `make uninstall` with the
# same PREFIX and DESTDIR removes exactly what install wrote.
PREFIX ?= /usr/local
INSTALLED = bin/fcindex share/man/man1/fcindex.1 share/doc/fcindex/fcindex.conf.example \
	lib/systemd/system/fcindex.service lib/systemd/system/fcindex-indexer.service \
	lib/systemd/system/fcindex-api@.service

$(BUILD)/CMakeCache.txt:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null

install: $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) --target fcindex manpage
	@DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

uninstall:
	@rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))
	@rmdir --ignore-fail-on-non-empty $(DESTDIR)$(PREFIX)/share/doc/fcindex

# The Debian package of $(BUILD) into DEB_OUT (scripts/make-deb).
DEB_OUT ?= $(BUILD)
deb: $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) --target fcindex manpage
	@scripts/make-deb $(BUILD) $(DEB_OUT)

docs: build
	@$(BUILD)/fcindex config docs > docs/config.md

services-up:
	@scripts/services up

services-down:
	@scripts/services down

clean:
	rm -rf $(BUILD) $(TEST_BUILD)

# libFuzzer over every target for FUZZ_SECONDS each (clang), growing its
# corpus in tests/fuzz/corpus/NAME (replayed by ctest as fuzz_replay_NAME).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz:
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DFC_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	  build-fuzz/tests/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) tests/fuzz/corpus/$$t; \
	done
