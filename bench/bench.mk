# bench/bench.mk: `make bench` (not part of `make check`).  See bench/RESULTS.md.
# Knobs: BENCH_QUICK=1 (1M lines only, fewer runs: for iterating on the import),
# BENCH_LINES="1000000 10000000", BENCH_RUNS (big imports, 3), BENCH_FAST_RUNS (5),
# BENCH_ITERS (PAM loop iterations per run, 1000), BENCH_DATA (bench/data),
# BENCH_STOCK_MDB_LOAD=0|1 (stock mdb_load at the smallest size; 65 s a million).
# `make bench-profile` profiles a 1M import (perf if it works, else callgrind).

BENCH_BIN   = $(BUILD)/bench
BENCH_TOOLS = $(BENCH_BIN)/gen $(BENCH_BIN)/runstat $(BENCH_BIN)/mkdump $(BENCH_BIN)/acct \
              $(BENCH_BIN)/nosync.so $(BENCH_BIN)/nssfloor
BENCH_CFLAGS = $(filter-out -MMD -MP,$(CFLAGS))

.PHONY: bench bench-tools bench-profile bench-fleet

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

$(BENCH_BIN)/nssfloor: bench/nssfloor.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $<

$(BENCH_BIN)/acct: bench/acct.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ $< -lpam

$(BENCH_BIN)/nosync.so: bench/nosync.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) -U_FORTIFY_SOURCE -fvisibility=default -shared $(LDFLAGS) \
	    -o $@ $< -ldl

bench: deps all bench-tools
	@BUILD=$(BUILD) sh bench/run.sh

bench-profile: deps all bench-tools
	@BUILD=$(BUILD) sh bench/profile.sh

# Signed bundles at scale (issue 11): address import vs bundle import, export.
# Knobs: BENCH_FLEET_LINES (10000000), BENCH_RUNS (3).
bench-fleet: all $(BENCH_BIN)/gen $(BENCH_BIN)/runstat
	@BUILD=$(BUILD) sh bench/fleet.sh
