# tests/e2e/e2e.mk: `make e2e` (included by the Makefile; `make check` runs it
# as root).  The real sshd, su, sudo, login and passwd on loopback, with
# throwaway users; see tests/e2e/run.sh.
.PHONY: e2e
# The package scenarios (deb.sh, ansible.sh) install the .deb that `make deb` built.
e2e: all deb
	@BG_DEB=$(abspath $(DEB_FILE)) sh tests/e2e/run.sh $(abspath $(MODULE)) $(abspath $(TOOL))
