# tests/fuzz/fuzz.mk: libFuzzer harnesses (included by the Makefile).
# Every tests/fuzz/fuzz_NAME.c is a harness with its seeds in tests/fuzz/corpus/NAME/.
# The library and tool sources are compiled again with clang and the fuzzer's
# instrumentation (never the gcc archives) into one archive each harness links.
#   make fuzz-build              build every harness into $(BUILD)/fuzz/
#   make fuzz-replay             run every seed corpus once; fails on any crash
#   make fuzz-seeds              remake fuzz_mdbread's seeds; fails unless they are the committed ones
#   make fuzz FUZZ_SECONDS=60    fuzz each harness; finds go to $(BUILD)/fuzz/corpus-NAME
#   make fuzz-long               the same with inputs up to 400 KB (-len_control=0): what
#                                reaches the decoders' and the line reader's buffer edges
#                                (the UTF-16 overflow of 1e2a041 needed it)
# Every harness links tests/fuzz/wrap.c, which makes allocation, LMDB, OpenSSL and
# the other library calls fail as the input's first 4 bytes say (see there), so a
# seed is 4 zero bytes (nothing injected) followed by the harness's data:
#   { printf '\0\0\0\0'; cat file; } > tests/fuzz/corpus/NAME/file
# tests/fuzz/crashes/NAME/ holds reproducers of open findings (not replayed);
# each moves into corpus/NAME/ with its fix.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_DIR      = $(BUILD)/fuzz
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# BG_TEST_BUILD: the config loader accepts files owned by the fuzzing user.
FUZZ_CFLAGS   = -g -O1 -std=c11 -DBG_TEST_BUILD $(FUZZ_SAN) -Itests/fuzz -MMD -MP
FUZZ_SRC      = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES    = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_BIN      = $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_OBJ      = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRC) $(TOOL_SRC))
FUZZ_LIB      = $(FUZZ_DIR)/libfuzzbg.a
FUZZ_WRAP_O   = $(FUZZ_DIR)/wrap.o
# Every function wrap.c wraps, named once there (WRAP(type, NAME, ...) or __wrap_NAME).
FUZZ_WRAPPED := $(shell sed -n -e 's/^WRAP.[^,]*, *\([A-Za-z0-9_]*\),.*/\1/p' \
                  -e 's/^[a-z].* __wrap_\([A-Za-z0-9_]*\).*/\1/p' tests/fuzz/wrap.c | sort -u)
FUZZ_LDWRAP   = $(FUZZ_WRAPPED:%=-Wl,--wrap=%)

.PHONY: fuzz-build fuzz-seeds fuzz-long

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

# An archive, so a harness pulls in only the objects it needs.
$(FUZZ_LIB): $(FUZZ_OBJ)
	rm -f $@ && ar rcs $@ $^

# Not instrumented for coverage: which call fails is the input's, not a feature.
$(FUZZ_WRAP_O): tests/fuzz/wrap.c tests/fuzz/fuzz.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(WARN) -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_WRAP_O) $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(WARN) -fsanitize=fuzzer $(FUZZ_LDWRAP) -o $@ $< \
	    $(FUZZ_WRAP_O) $(FUZZ_LIB) $(TOOL_LIBS)

fuzz-build: $(FUZZ_BIN)

# The generator of fuzz_mdbread's seeds (real LMDB files) is built with the
# project's warnings and run: its output must be the committed seeds, byte for
# byte, so that a change to the generator or to the seeds cannot drift apart.
$(FUZZ_DIR)/mdbread_seeds: tests/fuzz/mdbread_seeds.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -g -O1 -std=c11 $(WARN) -o $@ $< -llmdb

fuzz-seeds: $(FUZZ_DIR)/mdbread_seeds
	@rm -rf $(FUZZ_DIR)/seeds-mdbread && mkdir -p $(FUZZ_DIR)/seeds-mdbread
	@$(FUZZ_DIR)/mdbread_seeds $(FUZZ_DIR)/seeds-mdbread >/dev/null
	@if diff -r $(FUZZ_DIR)/seeds-mdbread tests/fuzz/corpus/mdbread >$(FUZZ_DIR)/seeds-mdbread.diff; then \
	    echo "fuzz-seeds: mdbread: $$(ls $(FUZZ_DIR)/seeds-mdbread | wc -l) seeds as committed"; \
	else echo "fuzz-seeds: mdbread: the generator's seeds differ from tests/fuzz/corpus/mdbread:"; \
	    cat $(FUZZ_DIR)/seeds-mdbread.diff; exit 1; fi

# One pass over each seed corpus; the log is shown only when a harness fails.
fuzz-replay: fuzz-build fuzz-seeds
	@fail=0; for n in $(FUZZ_NAMES); do \
	    dir=tests/fuzz/corpus/$$n; log=$(FUZZ_DIR)/replay-$$n.log; \
	    if [ ! -d $$dir ]; then echo "fuzz-replay: $$n: no corpus in $$dir"; fail=1; continue; fi; \
	    if $(FUZZ_DIR)/fuzz_$$n -runs=0 -timeout=20 $$dir >$$log 2>&1; then \
	        echo "fuzz-replay: $$n: $$(ls $$dir | wc -l) inputs ok"; \
	    else echo "fuzz-replay: $$n: FAILED (log: $$log)"; tail -40 $$log; fail=1; fi; \
	done; [ $$fail -eq 0 ]

# New inputs land in $(FUZZ_DIR)/corpus-NAME, never in the repository; a crash
# leaves its reproducer in $(FUZZ_DIR)/crash-NAME-*.
fuzz: fuzz-build
	@fail=0; for n in $(FUZZ_NAMES); do \
	    out=$(FUZZ_DIR)/corpus-$$n; log=$(FUZZ_DIR)/fuzz-$$n.log; mkdir -p $$out; \
	    $(FUZZ_DIR)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -timeout=20 -print_final_stats=1 $(FUZZ_FLAGS) \
	        -artifact_prefix=$(FUZZ_DIR)/crash-$$n- $$out tests/fuzz/corpus/$$n >$$log 2>&1; \
	    rc=$$?; \
	    runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	    cov=$$(grep -o 'cov: [0-9]*' $$log | tail -1); \
	    ft=$$(grep -o 'ft: [0-9]*' $$log | tail -1); \
	    if [ $$rc -eq 0 ]; then \
	        echo "fuzz: $$n: $${runs:-?} runs, $${cov:-cov: ?}, $${ft:-ft: ?}, corpus $$(ls $$out | wc -l) new"; \
	    else echo "fuzz: $$n: FAILED after $${runs:-?} runs (log: $$log)"; tail -40 $$log; fail=1; fi; \
	done; [ $$fail -eq 0 ]

fuzz-long:
	$(MAKE) --no-print-directory fuzz FUZZ_FLAGS="-len_control=0 -max_len=400000 -rss_limit_mb=4096"

-include $(FUZZ_OBJ:.o=.d) $(FUZZ_BIN:=.d) $(FUZZ_WRAP_O:.o=.d)
