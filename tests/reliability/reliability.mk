# tests/reliability/reliability.mk: `make reliability` (in `make check`) and
# `make soak` (long).  Included by the Makefile.  See tests/reliability/run.sh
# and tests/RELIABILITY.md.  Needs root (throwaway users, chown, a tmpfs).
#   make reliability RELIABILITY_ONLY="1 5"   runs only those items
#   make soak SOAK_SECONDS=600                 item 9

REL_SRC     = tests/reliability
REL_BUILD   = $(BUILD)/reliability
REL_SAN     = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
REL_CFLAGS  = -std=gnu11 -O2 -g -D_GNU_SOURCE $(WARN) -Wno-missing-prototypes
SOAK_SECONDS ?= 600
RELIABILITY_ONLY ?=

.PHONY: reliability reliability-bins reliability-asan soak

$(REL_BUILD)/pamloop: $(REL_SRC)/pamloop.c tests/syslog_capture.h
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -rdynamic -o $@ $< -lpam -ldl

$(REL_BUILD)/pamloop-asan: $(REL_SRC)/pamloop.c tests/syslog_capture.h
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -O1 $(REL_SAN) -rdynamic -o $@ $< -lpam -ldl

$(REL_BUILD)/storetool: $(REL_SRC)/storetool.c $(LIBBG)
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -Ipam_breachguard -o $@ $< $(LIBBG) $(LIBS)

reliability-bins: all $(REL_BUILD)/pamloop $(REL_BUILD)/pamloop-asan $(REL_BUILD)/storetool

# The ASan + UBSan module and tool (item 5 runs them too).
reliability-asan:
	$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 SAN="$(REL_SAN)" all

reliability: reliability-bins reliability-asan
	@BUILD=$(abspath $(BUILD)) ASAN_BUILD=$(abspath build/asan) SRC=$(CURDIR) \
	    RELIABILITY_ONLY="$(RELIABILITY_ONLY)" sh $(REL_SRC)/run.sh

soak: reliability-bins
	@BUILD=$(abspath $(BUILD)) SRC=$(CURDIR) SOAK_SECONDS=$(SOAK_SECONDS) \
	    sh $(REL_SRC)/soak.sh
