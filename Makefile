# SPDX-License-Identifier: MIT
# Thin wrapper over CMake presets: the targets a C user expects.
#
#   make            build (gcc, Debug, -Werror) into build/dev
#   make demo       the main job: see scripts/demo.sh
#   make check      gcc -Werror build + all tests, clang ASan+UBSan build + all tests,
#                   RelWithDebInfo -DNDEBUG build + all tests, formatting check
#   make bench      release build + benchmarks (figures go to stdout)
#   make fuzz       clang libFuzzer build; each harness runs FUZZ_SECONDS (60) seconds
#   make install    release build installed under PREFIX (/usr/local)
#   make format     clang-format every C file in place

PREFIX ?= /usr/local
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc)

.PHONY: all deps build demo check check-dev check-asan check-release bench fuzz install format format-check clean

all: build

deps:
	@scripts/deps.sh

build: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

demo: build
	scripts/demo.sh build/dev

check-dev: deps
	cmake --preset dev
	cmake --build --preset dev -j $(JOBS)
	ctest --preset dev

check-asan: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan

check-release: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS)
	ctest --preset release

check: check-dev check-asan check-release format-check

bench: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	scripts/bench.sh build/release

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

install: deps
	cmake --preset release -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build --preset release -j $(JOBS)
	cmake --install build/release

format: deps
	git ls-files '*.c' '*.h' | xargs clang-format -i

format-check: deps
	git ls-files '*.c' '*.h' | xargs -r clang-format --dry-run --Werror

clean:
	rm -rf build
