# Hookphone. The two set-up commands a newcomer runs: `make run` and `make test`.
SHELL := /bin/bash
export GOTOOLCHAIN := local
GO ?= go
GOFLAGS_APP := -tags migrated_fynedo

.PHONY: deps build run test lint bench package
deps:
	@scripts/deps.sh

build: deps
	$(GO) build $(GOFLAGS_APP) -o bin/hookphone .

run: build
	./bin/hookphone

lint: deps
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || { echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet $(GOFLAGS_APP) ./...

test: deps lint
	$(GO) test $(GOFLAGS_APP) -count=1 -timeout 30m ./...

# Go benchmarks, then every process-level comparison in scripts/bench/ (each
# prints its figures as ratios against a peer measured in the same run).
bench: deps build
	$(GO) test $(GOFLAGS_APP) -run '^$$' -bench . -benchtime 2s ./...
	@for s in scripts/bench/*.sh; do [ -x "$$s" ] || continue; echo "== $$s"; "$$s" || exit 1; done
