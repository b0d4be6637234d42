# tests/e2e/e2e.mk: `make e2e` (included by the Makefile; `make check` runs it
# as root).  The real sshd, su, sudo, login and passwd on loopback, with
# throwaway users; see tests/e2e/run.sh.
.PHONY: e2e
e2e: all
	@sh tests/e2e/run.sh $(abspath $(MODULE)) $(abspath $(TOOL))
