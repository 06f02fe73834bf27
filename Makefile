# enrich — plain GNU make. `make` builds ./enrich; `make check` installs what
# is missing, then runs every test against a normal and a sanitizer build.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=

PKGS = libcurl libcjson
# Lazy (=): pkg-config runs when a recipe needs it, after deps are installed.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -lm
WARN = -std=gnu11 -Wall -Wextra -Werror
ALL_CFLAGS = $(WARN) -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) $(CFLAGS)
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

LIB_SRC = $(wildcard lib/*.c)
CMD_SRC = $(wildcard cmd/*.c)
LIB_HDR = $(wildcard lib/*.h)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
# The compiler writes, next to each object, a .d file naming the headers it
# included (-MMD), each also as an empty target (-MP) so a deleted header does
# not stop the build. An object depends on those headers and nothing more.
DEPFLAGS = -MMD -MP

# A bare `make` builds ./enrich, whatever rule comes first.
.DEFAULT_GOAL := all

# Each build variant lives in its own directory: build/ and build/asan/.
define variant
# An object without its .d (built before dependencies were tracked, or the
# .d deleted) is rebuilt: the .d is a prerequisite that make cannot find.
$(1)/lib/%.o: lib/%.c $(1)/lib/%.d
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $(2) $$(DEPFLAGS) -c $$< -o $$@
$(1)/cmd/%.o: cmd/%.c $(1)/cmd/%.d
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $(2) $$(DEPFLAGS) -c $$< -o $$@
$$(patsubst %.c,$(1)/%.d,$$(LIB_SRC) $$(CMD_SRC)):
$(1)/libenrich.a: $$(patsubst %.c,$(1)/%.o,$$(LIB_SRC))
	$$(AR) rcs $$@ $$^
$(1)/enrich: $$(patsubst %.c,$(1)/%.o,$$(CMD_SRC)) $(1)/libenrich.a
	$$(CC) $$(ALL_CFLAGS) $(2) $$^ -o $$@ $$(LDFLAGS) $$(PKG_LIBS)
# A unit test's .d goes in deps/, out of the way of tests/run.sh's build/unit/test_*.
# A fuzz target with tests/fuzz/replay.c's main: its corpus as a unit test (TAP).
$(1)/unit/test_fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $$(LIB_HDR) \
		$(1)/libenrich.a
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $(2) -Itests/fuzz -DFUZZ_CORPUS='"tests/fuzz/corpus/$$*"' \
		$$< tests/fuzz/replay.c $(1)/libenrich.a -o $$@ $$(LDFLAGS) $$(PKG_LIBS)
$(1)/unit/%: tests/unit/%.c $(1)/libenrich.a
	@mkdir -p $$(@D)/deps
	$$(CC) $$(ALL_CFLAGS) $(2) $$(DEPFLAGS) -MF $$(@D)/deps/$$*.d -Itests/unit $$< $(1)/libenrich.a \
		-o $$@ $$(LDFLAGS) $$(PKG_LIBS)
endef

$(eval $(call variant,build,))
$(eval $(call variant,build/asan,$(SAN_FLAGS)))

-include $(wildcard build/lib/*.d build/cmd/*.d build/unit/deps/*.d)
-include $(wildcard build/asan/lib/*.d build/asan/cmd/*.d build/asan/unit/deps/*.d)

UNITS = $(patsubst tests/unit/%.c,build/unit/%,$(UNIT_SRC)) \
	$(patsubst %,build/unit/test_fuzz_%,$(FUZZ_TARGETS))
ASAN_UNITS = $(patsubst tests/unit/%.c,build/asan/unit/%,$(UNIT_SRC)) \
	$(patsubst %,build/asan/unit/test_fuzz_%,$(FUZZ_TARGETS))

# libFuzzer builds: clang only, the library instrumented for coverage, each target run
# for FUZZ_SECONDS from its seed corpus (new inputs go to build/fuzz/corpus/, crashes to
# build/fuzz/NAME-crash-*: copy one into tests/fuzz/corpus/NAME/ with the fix).
FUZZ_CC = clang
FUZZ_SECONDS ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = $(WARN) -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) -g -O1 $(FUZZ_SAN)
build/fuzz/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
build/fuzz/libenrich.a: $(patsubst %.c,build/fuzz/%.o,$(LIB_SRC))
	$(AR) rcs $@ $^
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h build/fuzz/libenrich.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz $< build/fuzz/libenrich.a \
		-o $@ $(PKG_LIBS)

.PHONY: all check test test-normal test-asan demo bench install uninstall clean format deps fuzz

all: enrich

enrich: build/enrich
	cp $< $@.tmp && mv -f $@.tmp $@

tests/mock/mockd: tests/mock/mockd.c
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O1 -pthread $< -o $@

deps:
	@sh scripts/deps.sh

check: deps
	$(MAKE) test

test: enrich tests/mock/mockd $(UNITS) build/asan/enrich $(ASAN_UNITS)
	sh tests/run.sh

test-normal: enrich tests/mock/mockd $(UNITS)
	ENRICH_VARIANTS=normal sh tests/run.sh

# Prints "ok - fuzz NAME" or "not ok - fuzz NAME" a target; fails if any found a crash.
fuzz: $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_TARGETS))
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)

demo: deps
	$(MAKE) enrich tests/mock/mockd
	bash scripts/demo.sh

# enrich beside a bare libcurl loop, curl --parallel, aiohttp, xargs, GNU parallel and wrk
# (bench/README.md); bench-mem: peak RSS by input length. Outputs are checked: exit 1 if wrong.
bench: deps
	$(MAKE) enrich tests/mock/mockd build/bench/bare build/bench/rusage
	bash scripts/bench.sh

.PHONY: bench-mem
bench-mem: deps
	$(MAKE) enrich build/bench/bare build/bench/rusage
	bash scripts/bench.sh --mem

# bare: the ceiling of any libcurl-based tool, built with enrich's flags against libcurl
# only. rusage: measures each tool (wall, CPU, peak RSS).
build/bench/bare: bench/bare.c lib/enrich.h
	@mkdir -p $(@D)
	$(CC) $(WARN) -D_GNU_SOURCE -Ilib $(shell pkg-config --cflags libcurl) $(CFLAGS) $< -o $@ \
		$(LDFLAGS) $(shell pkg-config --libs libcurl)
build/bench/rusage: bench/rusage.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -D_GNU_SOURCE $(CFLAGS) $< -o $@ $(LDFLAGS)

install: enrich
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 enrich $(DESTDIR)$(BINDIR)/enrich
	install -m 644 man/enrich.1 $(DESTDIR)$(MANDIR)/man1/enrich.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/enrich $(DESTDIR)$(MANDIR)/man1/enrich.1

clean:
	rm -rf build enrich tests/mock/mockd

format:
	clang-format -i lib/*.c lib/*.h cmd/*.c cmd/*.h tests/unit/*.c tests/unit/*.h tests/mock/*.c \
		tests/fuzz/*.c tests/fuzz/*.h
