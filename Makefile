# pam_breachguard: `make` builds build/pam_breachguard.so and build/breachguard
# from one static library (-fPIC).  `make demo` tells the story in a sandbox,
# `make check` runs every test layer.  Both install missing Debian build
# dependencies first (as root) and say so.

CC        ?= cc
BUILD     ?= build
PREFIX    ?= /usr
DESTDIR   ?=
WERROR    ?= $(if $(CI),-Werror,)
SAN       ?=
OPT       ?= -O2

WARN      = -Wall -Wextra -Wformat=2 -Wshadow -Wconversion -Wmissing-prototypes \
            -Wstrict-prototypes -Wpointer-arith -Wvla $(WERROR)
CPPFLAGS += -D_GNU_SOURCE -Ipam_breachguard -Itools
CFLAGS   ?= $(OPT) -g
CFLAGS   += -std=c11 -fPIC -fvisibility=hidden -fstack-protector-strong \
            -D_FORTIFY_SOURCE=2 $(WARN) $(SAN) -MMD -MP
LDFLAGS  += $(SAN) -Wl,-z,relro,-z,now
# libidn2 and libunistring are loaded on demand (pam_breachguard/unicode.c): the
# module does not link them; the tool and the tests do, so they stay resident.
# The module links liblmdb and nettle (HMAC-SHA-256, see digest.c) and never
# libcrypto: loading that costs a fresh su/sudo/login process ~2.7 ms.  The tool
# keeps libcrypto for what needs it (the site key's CSPRNG, SHA-256 of inputs,
# signatures).  -z nodelete keeps the module mapped after pam_end's dlclose, so a
# process running many checks (a PAM loop, a daemon) loads it and its libraries
# once: safe because the module keeps no state across calls (no static data;
# everything is opened and closed per call, see pam_breachguard.c).
LIBS      = -llmdb -lnettle
MODULE_LDFLAGS = -Wl,-z,nodelete
# The module holds LMDB and nettle's HMAC-SHA-256 statically when their archives
# are there (Debian: liblmdb-dev, nettle-dev): each shared library is ~0.1 ms of
# open, map and relocation in every fresh su/sudo/login process.  liblmdb.a's
# objects are PIE code; their one reference to glibc's `stderr` (in
# mdb_assert_fail) is renamed to pam_breachguard/lmdb_static.c's symbols.
# MODULE_STATIC=0, or no archive, links the shared libraries instead.
MODULE_STATIC ?= 1
LMDB_A    ?= $(wildcard $(shell $(CC) -print-file-name=liblmdb.a))
NETTLE_A  ?= $(wildcard $(shell $(CC) -print-file-name=libnettle.a))
ifeq ($(MODULE_STATIC)$(if $(LMDB_A),y,),1y)
MODULE_LMDB = $(BUILD)/lmdb/mdb.o $(BUILD)/lmdb/midl.o
else
MODULE_LMDB =
MODULE_LIBS_LMDB = -llmdb
endif
# nettle_dispatch.o goes first: it replaces nettle's fat-x86_64.o, whose load-time
# CPUID probe costs every fresh process ~14 us on a VM (see the file).  It calls
# nettle's internal functions, so it is used only with the nettle it was checked
# against (3.8, Debian 12) on x86_64: any other nettle gets its own dispatch.
# tests/unit/test_nettle_dispatch.c and test_digest.c are linked the same way.
NETTLE_VERSION := $(shell pkg-config --modversion nettle 2>/dev/null)
NETTLE_DISPATCH ?= $(if $(and $(filter 1,$(MODULE_STATIC)),$(NETTLE_A),$(filter 3.8 3.8.%,$(NETTLE_VERSION)),$(filter x86_64-%,$(shell $(CC) -dumpmachine))),1,0)
NETTLE_DISPATCH_O = $(if $(filter 1,$(NETTLE_DISPATCH)),$(BUILD)/obj/pam_breachguard/nettle_dispatch.o)
ifeq ($(MODULE_STATIC)$(if $(NETTLE_A),y,),1y)
MODULE_LIBS_NETTLE = $(NETTLE_DISPATCH_O) $(NETTLE_A)
else
MODULE_LIBS_NETTLE = -lnettle
endif
MODULE_LIBS = $(MODULE_LIBS_LMDB) $(MODULE_LIBS_NETTLE)
# The input layer (tools/): archives and bare compressors through libarchive,
# legacy encodings detected with uchardet (decoded with iconv, in libc), workbook
# XML streamed with libxml2's xmlReader.
XML_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
XML_LIBS   := $(shell pkg-config --libs libxml-2.0 2>/dev/null || echo -lxml2)
CPPFLAGS  += $(XML_CFLAGS)
TOOL_LIBS = $(LIBS) -lcrypto -lidn2 -lunistring -lz -lpthread -larchive -luchardet $(XML_LIBS)

LIB_SRC   = $(filter-out pam_breachguard/pam_breachguard.c pam_breachguard/nettle_dispatch.c,\
	    $(wildcard pam_breachguard/*.c))
TOOL_SRC  = $(filter-out tools/breachguard.c,$(wildcard tools/*.c))
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TOOL_OBJ  = $(TOOL_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
PAMT_SRC  = $(wildcard tests/pam/*.c)
PAMT_BIN  = $(PAMT_SRC:tests/pam/%.c=$(BUILD)/tests/pam_%)

MODULE    = $(BUILD)/pam_breachguard.so
TOOL      = $(BUILD)/breachguard
LIBBG     = $(BUILD)/libbreachguard.a
LIBTOOL   = $(BUILD)/libbgtool.a

.PHONY: all deps demo check unit tooltest pamtest asan tsan valgrind fuzz fuzz-replay e2e bench soak \
        clean lint format-check symbols warnings-clang
.DEFAULT_GOAL := all

all: $(MODULE) $(TOOL)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBBG): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBTOOL): $(TOOL_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(MODULE): $(BUILD)/obj/pam_breachguard/pam_breachguard.o $(MODULE_LMDB) $(LIBBG) $(NETTLE_DISPATCH_O) \
	    pam_breachguard/pam_breachguard.map
	$(CC) -shared $(LDFLAGS) $(MODULE_LDFLAGS) -Wl,--version-script=pam_breachguard/pam_breachguard.map \
	    -Wl,--no-undefined -o $@ $< $(MODULE_LMDB) $(LIBBG) $(MODULE_LIBS) -lpam

$(BUILD)/lmdb/mdb.o $(BUILD)/lmdb/midl.o: $(LMDB_A)
	@mkdir -p $(dir $@)
	cd $(dir $@) && ar x $(abspath $(LMDB_A)) $(notdir $@)
	objcopy --redefine-sym stderr=bg_lmdb_stderr \
	    --redefine-sym __fprintf_chk=bg_lmdb_fprintf_chk $@

$(TOOL): $(BUILD)/obj/tools/breachguard.o $(LIBTOOL) $(LIBBG)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBTOOL) $(LIBBG) $(TOOL_LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/t.h $(LIBTOOL) $(LIBBG)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< \
	    $(LIBTOOL) $(LIBBG) $(TOOL_LIBS)

# The module's nettle (static, with nettle_dispatch.o) under the digest tests.
$(BUILD)/tests/test_digest $(BUILD)/tests/test_nettle_dispatch: $(BUILD)/tests/%: tests/unit/%.c \
	    tests/unit/t.h $(LIBTOOL) $(LIBBG) $(NETTLE_DISPATCH_O)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit -DBG_NETTLE_DISPATCH=$(NETTLE_DISPATCH) $(CFLAGS) \
	    -Wno-missing-prototypes $(LDFLAGS) -o $@ $< $(LIBTOOL) $(LIBBG) $(NETTLE_DISPATCH_O) \
	    $(if $(filter 1,$(MODULE_STATIC)),$(NETTLE_A)) $(TOOL_LIBS) -lm

$(BUILD)/tests/pam_%: tests/pam/%.c $(LIBBG)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $< \
	    $(LIBBG) $(TOOL_LIBS) -lpamtest -lpam

# --- dependencies -----------------------------------------------------------
deps:
	@sh tests/deps.sh

# --- the story --------------------------------------------------------------
demo: deps all
	@sh tests/demo.sh $(BUILD)

# --- tests --------------------------------------------------------------------
unit: $(UNIT_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN)

tooltest: all
	@python3 tests/tool/test_tool.py $(TOOL)
	@python3 tests/tool/test_exact.py $(TOOL)
	@python3 tests/tool/test_fleet.py $(TOOL) && python3 tests/tool/test_report.py $(TOOL)
	@python3 tests/tool/test_trust.py $(TOOL)

pamtest: all $(PAMT_BIN)
	@sh tests/pam/run.sh $(BUILD)

symbols: $(MODULE)
	@sh tests/symbols.sh $(MODULE)

# Sanitizer build in its own directory; runs the unit and PAM-stack layers.
asan:
	$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    all unit tooltest pamtest

# ThreadSanitizer on the import's threads (tests/tool/tsan.sh), its own build.
tsan:
	$(MAKE) --no-print-directory BUILD=build/tsan OPT=-O1 \
	    SAN="-fsanitize=thread -fno-omit-frame-pointer" build/tsan/breachguard
	@sh tests/tool/tsan.sh build/tsan/breachguard

valgrind: all $(PAMT_BIN)
	@BG_VALGRIND=1 sh tests/pam/run.sh $(BUILD)

warnings-clang:
	$(MAKE) --no-print-directory BUILD=build/clang CC=clang WERROR=-Werror all \
	    $(UNIT_BIN:$(BUILD)/%=build/clang/%) $(PAMT_BIN:$(BUILD)/%=build/clang/%)

check: deps
	@echo "== house: format-check (clang-format), lint (cppcheck) =="
	$(MAKE) --no-print-directory format-check
	$(MAKE) --no-print-directory lint
	@echo "== build (gcc, -Werror) =="
	$(MAKE) --no-print-directory WERROR=-Werror all $(UNIT_BIN) $(PAMT_BIN) bench-tools
	@echo "== build (clang, -Werror) =="
	$(MAKE) --no-print-directory warnings-clang
	$(MAKE) --no-print-directory symbols
	@echo "== unit tests =="
	$(MAKE) --no-print-directory unit
	@echo "== tool tests (every advisory format, exit codes) =="
	$(MAKE) --no-print-directory tooltest
	@echo "== the import's reading cost (instructions a line against bench/guard.txt) =="
	$(MAKE) --no-print-directory bench-guard
	@echo "== PAM-stack tests (libpam + pam_wrapper + nss_wrapper) =="
	$(MAKE) --no-print-directory pamtest
	@echo "== ASan + UBSan =="
	$(MAKE) --no-print-directory asan
	@echo "== ThreadSanitizer (the import's threads) =="
	$(MAKE) --no-print-directory tsan
	@echo "== valgrind (PAM-stack tests) =="
	$(MAKE) --no-print-directory valgrind
	@echo "== fuzz corpora replay (ASan + UBSan) =="
	$(MAKE) --no-print-directory fuzz-replay
	@echo "== reliability (faults, concurrency, hostile files) =="
	$(MAKE) --no-print-directory reliability
	@if [ "$$(id -u)" = 0 ]; then echo "== end-to-end (real sshd, su, sudo, login, passwd) =="; \
	    $(MAKE) --no-print-directory e2e; else echo "== end-to-end skipped: needs root =="; fi
	@echo "make check: all layers passed"

clean:
	rm -rf build

-include tests/house.mk
-include tests/fuzz/fuzz.mk
-include tests/e2e/e2e.mk
-include tests/reliability/reliability.mk
-include policy/install.mk
-include policy/deb.mk
-include bench/bench.mk
# The module's and the tool's main objects and the test programs too: without
# their .d files a header change (a struct grown in config.h) left a stale
# pam_breachguard.o behind, which smashed the stack of every PAM call.
-include $(LIB_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(BUILD)/obj/pam_breachguard/pam_breachguard.d \
    $(BUILD)/obj/tools/breachguard.d $(UNIT_BIN:=.d) $(PAMT_BIN:=.d)
