# adlog - one non-recursive GNU Makefile.  Objects and programs go to build/.
#
#   make            build every program into build/
#   make check      install missing packages, then unit tests, fuzz-corpus
#                   replay and integration tests (ends with a summary line)
#   make demo       install missing packages, then the pipeline end to end
#   make fleet      three serve hosts, a batch host and a MariaDB replica in
#                   network namespaces (tests/integration/t5001-fleet.sh)
#   make asan       unit tests under AddressSanitizer + UBSan
#   make fuzz       libFuzzer targets (clang) into build/fuzz/
#   make deps       install missing Debian packages (apt-get)
#   make install    PREFIX=/usr/local DESTDIR=
#   make hooks      use the repo's git hooks (.githooks/commit-msg); `make`
#                   does it too when run in a git work tree
#
# Each program lives in a folder (serve/ -> build/adlog-serve); the folder's
# main.c holds main() and every other .c goes into build/lib<folder>.a, which
# unit tests and fuzz targets link.  Adding a file needs no edit here.

CC       ?= cc
CFLAGS   ?= -O2 -g
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build

PKGS     := fcgi libmariadb libpcre2-8 zlib inih libcrypto libxxhash
WARN     := -Wall -Wextra -Wshadow -Wformat=2
ifeq ($(WERROR),1)
WARN     += -Werror
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0)
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -DADLOG_VERSION='"$(VERSION)"' \
	     -Icommon $(WARN) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP

# common first: it is linked into everything and depends on nothing else
MODULES  := common serve ingest analyze admin gen eval redteam
PROGRAMS := $(foreach m,$(filter-out common,$(MODULES)),\
	$(if $(wildcard $(m)/main.c),$(BUILD)/adlog-$(m)))
# A program links its own folder, the folders it names here and common/.
# A folder uses another only through that one's public header (eval reads
# analyze/analyzer.h and gen/gen.h), so a call into any other folder fails
# to link.  The red team names none: it must not share code with the rules
# or with the generator they were tuned on.
USES_eval := analyze gen
prog_libs = $(foreach m,$(1) $(USES_$(1)) common,$(BUILD)/lib$(m).a)
# unit tests and replays link every folder, as one group (order-free)
ALL_LIBS  := $(foreach m,$(MODULES),$(BUILD)/lib$(m).a)
LINK_ALL  := -Wl,--start-group $(ALL_LIBS) -Wl,--end-group

lib_srcs = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
lib_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(call lib_srcs,$(1)))

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/replay/%,$(FUZZ_SRCS))
ALL_LIB_SRCS := $(foreach m,$(MODULES),$(call lib_srcs,$(m)))

.PHONY: all check demo asan fuzz deps install clean unit integration \
	fuzz-replay _check _demo hooks
all: $(PROGRAMS) hooks

# the commit-msg hook (CONTRIBUTING.md), for whoever builds in a clone
hooks:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && \
	    [ "$$(git config core.hooksPath)" != .githooks ]; then \
		git config core.hooksPath .githooks && \
		echo "hooks: git config core.hooksPath .githooks"; fi

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

define module_rules
$(BUILD)/lib$(1).a: $(call lib_objs,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_rules,$(m))))

define program_rules
$(BUILD)/adlog-$(1): $(BUILD)/obj/$(1)/main.o $(call prog_libs,$(1))
	$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach m,$(filter-out common,$(MODULES)),$(eval $(call program_rules,$(m))))

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LINK_ALL) $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD)/replay/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay_main.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/obj/tests/fuzz/replay_main.o $(LINK_ALL) $(PKG_LIBS)

# ---- the two commands: install what is missing, then run ----
check:
	@scripts/deps.sh --if-missing
	@$(MAKE) --no-print-directory _check

demo:
	@scripts/deps.sh --if-missing
	@$(MAKE) --no-print-directory _demo

_check: all $(UNIT_BINS) $(REPLAY_BINS)
	@BUILD=$(BUILD) tests/run.sh all

_demo: all
	@BUILD=$(BUILD) scripts/demo.sh

# the fleet test on the terminal: serve hosts, shipping, replication
.PHONY: fleet
fleet: all
	@BUILD=$(BUILD) bash tests/integration/t5001-fleet.sh

# labelled traffic through ingest and the rules; figures into docs/rules.md
.PHONY: eval eval-heldout
eval: all
	@BUILD=$(BUILD) scripts/eval.sh

# the report: seeds 32001-32010 of both generators, never used to tune,
# 4 M valid events a seed (docs/rules.md)
eval-heldout: all
	@BUILD=$(BUILD) EVAL_SEEDS="32001 32002 32003 32004 32005 32006 32007 32008 32009 32010" \
		EVAL_GENS="gen redteam" EVAL_EVENTS=4000000 \
		EVAL_DIR=$(BUILD)/eval-heldout EVAL_MARK=eval-heldout scripts/eval.sh

unit: all $(UNIT_BINS)
	@BUILD=$(BUILD) tests/run.sh unit

fuzz-replay: $(REPLAY_BINS)
	@BUILD=$(BUILD) tests/run.sh fuzz

integration: all
	@BUILD=$(BUILD) tests/run.sh integration

deps:
	@scripts/deps.sh

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan \
		CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
		unit

# libFuzzer needs clang: every library source is compiled again with it
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer,address,undefined
fuzz: $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))

$(BUILD)/fuzz/%: tests/fuzz/%.c $(ALL_LIB_SRCS)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -DADLOG_VERSION='"$(VERSION)"' \
		-Icommon $(PKG_CFLAGS) $(FUZZ_CFLAGS) -o $@ $^ $(PKG_LIBS)

# make install: programs and the cron wrapper in BINDIR; schema, data files
# and examples in DATADIR; the example config (and nginx example) in
# SYSCONFDIR/adlog (/etc); the crontab in SYSCONFDIR/cron.d; systemd units in
# SYSTEMDDIR; docs in DOCDIR.  @BINDIR@, @DATADIR@ and @DOCDIR@ in the crontab
# and units (and /usr/local/bin/adlog-* in the serve unit) become the real
# paths.  Creating the adlog user and the /var
# folders is the operator's (docs/operations.md).
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/adlog
DOCDIR     ?= $(PREFIX)/share/doc/adlog
SYSCONFDIR ?= /etc
SYSTEMDDIR ?= /lib/systemd/system
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
	    -e 's|@DOCDIR@|$(DOCDIR)|g' -e 's|/usr/share/adlog/|$(DATADIR)/|g' \
	    -e 's|/usr/local/bin/adlog-|$(BINDIR)/adlog-|g'
UNITS = $(wildcard conf/*.service conf/*.timer)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/schema/sample \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/adlog \
		$(DESTDIR)$(SYSCONFDIR)/cron.d $(DESTDIR)$(SYSTEMDDIR)
	install -m 0755 $(PROGRAMS) cron/adlog-cron cron/adlog-update-datacenters $(DESTDIR)$(BINDIR)/
	install -m 0644 schema/*.sql schema/README.md $(DESTDIR)$(DATADIR)/schema/
	install -m 0644 schema/sample/*.sql $(DESTDIR)$(DATADIR)/schema/sample/
	install -m 0644 data/*.txt conf/inventory.example $(DESTDIR)$(DATADIR)/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	$(SUBST) conf/adlog.conf.example >$(DESTDIR)$(SYSCONFDIR)/adlog/adlog.conf.example
	$(SUBST) conf/datacenter-sources.example >$(DESTDIR)$(SYSCONFDIR)/adlog/datacenter-sources.example
	$(if $(wildcard conf/nginx.conf),$(SUBST) conf/nginx.conf >$(DESTDIR)$(SYSCONFDIR)/adlog/nginx.conf.example)
	cd www && find . -type f -exec install -D -m 0644 {} $(DESTDIR)$(DATADIR)/www/{} \;
	$(SUBST) cron/adlog.crontab >$(DESTDIR)$(SYSCONFDIR)/cron.d/adlog
	chmod 0644 $(DESTDIR)$(SYSCONFDIR)/adlog/adlog.conf.example \
		$(DESTDIR)$(SYSCONFDIR)/adlog/datacenter-sources.example $(DESTDIR)$(SYSCONFDIR)/cron.d/adlog
	$(if $(wildcard conf/nginx.conf),chmod 0644 $(DESTDIR)$(SYSCONFDIR)/adlog/nginx.conf.example)
	for u in $(UNITS); do \
		$(SUBST) $$u >$(DESTDIR)$(SYSTEMDDIR)/$${u##*/} && \
		chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/$${u##*/} || exit 1; done

clean:
	rm -rf build

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
