SWIFT ?= swift

.PHONY: all build test demo bench deps clean

all: build

deps:
	@bash scripts/install-system-deps.sh

build: deps
	$(SWIFT) build

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

demo: deps
	$(SWIFT) build
	bash scripts/demo.sh

bench: deps
	bash scripts/bench.sh

clean:
	rm -rf .build demo-state
