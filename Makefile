# Hookphone. The two set-up commands a newcomer runs: `make run` and `make test`.
#
#   make run          install system packages, build, open the window
#   make test         install system packages, lint, run every test headless
#   make lint         gofmt, go vet, staticcheck, the package dependency rule
#   make bench        Go benchmarks + scripts/bench/*.sh (ratios against a peer)
#   make package      a Linux desktop package (fyne package)
#   make screenshots  refresh docs/screenshot.png from the Xvfb window test
SHELL := /bin/bash
.DEFAULT_GOAL := build

export GOTOOLCHAIN := local
GO ?= go
TAGS := migrated_fynedo
GOFLAGS_APP := -tags $(TAGS)

# Tools, pinned, fetched through the Go module proxy on first use.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FYNE_CLI := fyne.io/tools/cmd/fyne@v1.7.4

# Go's caches stay where they are (a warm build takes seconds, a cold one
# minutes), even though tests get a throwaway HOME below.
export GOCACHE := $(shell GOTOOLCHAIN=local $(GO) env GOCACHE)
export GOMODCACHE := $(shell GOTOOLCHAIN=local $(GO) env GOMODCACHE)
export GOPATH := $(shell GOTOOLCHAIN=local $(GO) env GOPATH)

# Tests never touch the user's files, keyring or desktop: every per-user
# folder points into a fresh throwaway folder, there is no session bus (so the
# secret store is the 0600 file), and tests that need X start their own Xvfb
# (internal/testlab/xvfb.go), so DISPLAY is cleared too.
TEST_HOME := $(CURDIR)/run/test-home
TEST_ENV := env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS -u PULSE_SERVER \
	HOME=$(TEST_HOME) XDG_CONFIG_HOME=$(TEST_HOME)/.config XDG_DATA_HOME=$(TEST_HOME)/.local/share \
	XDG_CACHE_HOME=$(TEST_HOME)/.cache XDG_RUNTIME_DIR=$(TEST_HOME)/run \
	MESA_SHADER_CACHE_DIR=$(TEST_HOME)/.cache/mesa LANG=en_US.UTF-8 \
	HOOKPHONE_SECRET_STORE=file JACK_NO_START_SERVER=1

.PHONY: deps build run test test-home lint lint-fmt lint-vet lint-staticcheck lint-deps bench package screenshots clean

deps:
	@scripts/deps.sh

build: deps
	$(GO) build $(GOFLAGS_APP) -o bin/hookphone .

run: build
	./bin/hookphone

test-home:
	@rm -rf $(TEST_HOME) && mkdir -p $(TEST_HOME)/.config $(TEST_HOME)/.local/share $(TEST_HOME)/.cache $(TEST_HOME)/run
	@chmod 700 $(TEST_HOME)/run

test: deps lint test-home
	$(TEST_ENV) $(GO) test $(GOFLAGS_APP) -count=1 -timeout 30m ./...

lint: deps lint-fmt lint-vet lint-staticcheck lint-deps

lint-fmt:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting (gofmt -w):"; echo "$$out"; exit 1; fi

lint-vet:
	$(GO) vet $(GOFLAGS_APP) ./...

lint-staticcheck:
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...

# The package dependency rule (DESIGN.md): ui → sip/webhookinspector/audio →
# media, nothing imports ui, only ui imports fyne.io. DEPCHECK_DIR lets the
# checker's own test run this target on a fixture module that breaks it.
DEPCHECK_DIR ?= .
lint-deps:
	$(GO) run ./tools/depcheck $(DEPCHECK_DIR)

# Go benchmarks, then every process-level comparison in scripts/bench/ (each
# prints its figures as ratios against a peer measured in the same run).
bench: deps build
	$(GO) test $(GOFLAGS_APP) -run '^$$' -bench . -benchtime 2s ./...
	@for s in scripts/bench/*.sh; do [ -x "$$s" ] || continue; echo "== $$s"; "$$s" || exit 1; done

# A Linux desktop package (Hookphone.tar.xz: binary, .desktop file, icon).
# fyne package bumps [Details] Build in FyneApp.toml after each run; the file
# is restored so the tree stays clean (set the version there by hand).
package: deps
	@cp FyneApp.toml run/FyneApp.toml.before 2>/dev/null || { mkdir -p run && cp FyneApp.toml run/FyneApp.toml.before; }
	$(GO) run $(FYNE_CLI) package --target linux --tags $(TAGS) --release; status=$$?; \
	cp run/FyneApp.toml.before FyneApp.toml; exit $$status

# Refresh the README images from the tests that run the real binary under
# Xvfb: the first-run window, and the panes during a call to the local echo
# (that test copies them to docs/screenshots/ when HOOKPHONE_UPDATE_DOCS=1).
screenshots: deps test-home
	$(TEST_ENV) $(GO) test $(GOFLAGS_APP) -count=1 -run '^TestWindowUnderXvfb$$' -v .
	@mkdir -p docs && cp artifacts/screenshots/first-run.png docs/screenshot.png
	@echo "docs/screenshot.png updated from artifacts/screenshots/first-run.png"
	$(TEST_ENV) HOOKPHONE_UPDATE_DOCS=1 $(GO) test $(GOFLAGS_APP) -count=1 -run '^TestGUIFirstRunEchoCall$$' -v .

clean:
	rm -rf bin run artifacts
