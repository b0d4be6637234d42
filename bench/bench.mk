# bench/bench.mk: `make bench` (not part of `make check`).  See bench/RESULTS.md.
# Knobs: BENCH_QUICK=1 (1M lines only, fewer runs: for iterating on the import),
# BENCH_LINES="2000000 10000000", BENCH_RUNS (big imports, 3), BENCH_FAST_RUNS (5),
# BENCH_ITERS (PAM loop iterations per run, 1000), BENCH_DATA (bench/data),
# BENCH_STOCK_MDB_LOAD=0|1 (stock mdb_load at the smallest size; 65 s a million),
# BENCH_BASELINE=DIR (another build dir, e.g. of the previous commit: its tool runs in
# turn with ours for every import and the scan), BENCH_PROC_ROUNDS (processes per stack
# and user for the per-process figure, 300),
# BENCH_ONLY_PAM=1 (only the account-phase sections, on a small store: for iterating).
# `make bench-profile` profiles a 1M import (perf if it works, else callgrind).

BENCH_BIN   = $(BUILD)/bench
BENCH_TOOLS = $(BENCH_BIN)/gen $(BENCH_BIN)/runstat $(BENCH_BIN)/mkdump $(BENCH_BIN)/acct \
              $(BENCH_BIN)/nosync.so $(BENCH_BIN)/nssfloor $(BENCH_BIN)/pam1 $(BENCH_BIN)/spawn \
              $(BENCH_BIN)/pam_bgfloor.so $(BENCH_BIN)/digestfloor \
              $(BENCH_BIN)/syscost $(BENCH_BIN)/mapcost
BENCH_CFLAGS = $(filter-out -MMD -MP,$(CFLAGS))

.PHONY: bench bench-tools bench-profile bench-fleet bench-guard bench-guard-update

bench-tools: $(BENCH_TOOLS)

$(BENCH_BIN)/gen: bench/gen.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $<

$(BENCH_BIN)/runstat: bench/runstat.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $<

$(BENCH_BIN)/mkdump: bench/mkdump.c $(LIBTOOL) $(LIBBG)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBTOOL) $(LIBBG) $(TOOL_LIBS)

# The digests an import must compute, alone (bench/digestfloor.c).
$(BENCH_BIN)/digestfloor: bench/digestfloor.c $(LIBBG)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBBG) $(LIBS) -lcrypto -lpthread

# The store's page reads by pread against by mmap (bench/mapcost.c, by hand).
$(BENCH_BIN)/mapcost: bench/mapcost.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $<

# The module's own reading in system calls alone (bench/syscost.c, by hand).
$(BENCH_BIN)/syscost: bench/syscost.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $<

$(BENCH_BIN)/nssfloor: bench/nssfloor.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $<

$(BENCH_BIN)/acct: bench/acct.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $< -lpam

# The per-process figure: pam1 is the whole process of one check, spawn the
# driver that runs it for each stack in turn.
$(BENCH_BIN)/pam1: bench/pam1.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $< -lpam

$(BENCH_BIN)/spawn: bench/spawn.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $<

# The floor of the design's check (bench/floor.c): one more stack of the
# account phase, linked as the module is.
$(BENCH_BIN)/pam_bgfloor.so: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) -fvisibility=default -shared $(LDFLAGS) $(MODULE_LDFLAGS) \
	    -o $@ $< -lpam

$(BENCH_BIN)/nosync.so: bench/nosync.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) -U_FORTIFY_SOURCE -fvisibility=default -shared $(LDFLAGS) \
	    -o $@ $< -ldl

bench: deps all bench-tools
	@BUILD=$(BUILD) sh bench/run.sh

bench-profile: deps all bench-tools
	@BUILD=$(BUILD) sh bench/profile.sh

# The reading thread's instructions a line of a list (bench/gen) and of a Japanese
# notice (bench/genja.py) against bench/guard.txt (bench/guard.sh; about ten
# seconds): a slower tokeniser is seen here, where timings are noise.
# BENCH_GUARD_BASE=DIR compares with another build instead.
bench-guard: deps all $(BENCH_BIN)/gen
	@BUILD=$(BUILD) CC="$(CC)" sh bench/guard.sh

bench-guard-update: deps all $(BENCH_BIN)/gen
	@BUILD=$(BUILD) CC="$(CC)" BENCH_GUARD_UPDATE=1 sh bench/guard.sh

# Signed bundles at scale (issue 11): address import vs bundle import, export.
# Knobs: BENCH_FLEET_LINES (10000000), BENCH_RUNS (3).
bench-fleet: all $(BENCH_BIN)/gen $(BENCH_BIN)/runstat
	@BUILD=$(BUILD) sh bench/fleet.sh
