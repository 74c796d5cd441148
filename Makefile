# The README's two commands: `make demo` and `make test`. `make` builds the release binary
# build/release/sluice.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
CMAKE_COMMON := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON

.PHONY: all release asan fuzz bootstrap test demo bench clean

all: release

bootstrap:
	@scripts/bootstrap

build/release/build.ninja:
	cmake -S . -B build/release $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release

build/asan/build.ninja:
	cmake -S . -B build/asan $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON \
	  -DSLUICE_BUILD_BENCHMARKS=OFF

# libFuzzer targets for the parsers of untrusted input (clang; see fuzz/).
build/fuzz/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B build/fuzz $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSLUICE_FUZZ=ON -DSLUICE_BUILD_BENCHMARKS=OFF

release: bootstrap build/release/build.ninja
	cmake --build build/release -j $(JOBS)

asan: bootstrap build/asan/build.ninja
	cmake --build build/asan -j $(JOBS)

fuzz: bootstrap build/fuzz/build.ninja
	cmake --build build/fuzz -j $(JOBS)

# Unit tests under ASan+UBSan, short fuzz runs, then every suite (unit and end-to-end) on the
# release build.
test: release asan fuzz
	scripts/bootstrap-node
	scripts/run-tests

demo: release
	scripts/demo

bench: release
	scripts/bench

clean:
	rm -rf build
