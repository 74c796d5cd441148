# The README's two commands: `make demo` and `make test`. `make` builds the release binary
# build/release/sluice.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
CMAKE_COMMON := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON

.PHONY: all release asan bootstrap test demo bench clean

all: release

bootstrap:
	@scripts/bootstrap

build/release/build.ninja:
	cmake -S . -B build/release $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release

build/asan/build.ninja:
	cmake -S . -B build/asan $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON \
	  -DSLUICE_BUILD_BENCHMARKS=OFF

release: bootstrap build/release/build.ninja
	cmake --build build/release -j $(JOBS)

asan: bootstrap build/asan/build.ninja
	cmake --build build/asan -j $(JOBS)

# Unit tests under ASan+UBSan, then every suite (unit and end-to-end) on the release build.
test: release asan
	scripts/run-tests

demo: release
	scripts/demo

bench: release
	scripts/bench

clean:
	rm -rf build
