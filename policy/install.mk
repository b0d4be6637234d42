# policy/install.mk: make install / uninstall / man-lint (included by the Makefile).
#
# Honours DESTDIR and PREFIX.  The PAM module goes where libpam looks for
# modules whatever PREFIX is: pkg-config's pam libdir + /security
# (/lib/x86_64-linux-gnu/security on Debian, /usr/lib64/security on RHEL);
# override with PAMDIR=.  The configuration and the pam-auth-update profile
# have fixed system paths (/etc/security, /usr/share/pam-configs) under DESTDIR.
# The configuration is installed only when absent, never overwritten; uninstall
# removes it only when it is still the shipped file.  The key and the store
# (made by "breachguard init") are never touched.

PAM_LIBDIR  ?= $(shell pkg-config --variable=libdir pam 2>/dev/null || \
                 { t=$$($(CC) -print-multiarch 2>/dev/null); [ -n "$$t" ] && echo /lib/$$t || echo /lib; })
PAMDIR      ?= $(PAM_LIBDIR)/security
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
SECDIR      ?= /etc/security
PAMCONFDIR  ?= /usr/share/pam-configs
INSTALL     ?= install
# The daily `breachguard verify` (issue 10 item 17): a systemd timer, or the
# cron line where systemd is absent (installed only then, so it never runs twice).
SYSTEMDUNITDIR ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
CRONDIR     ?= /etc/cron.d
MANPAGES5    = policy/man/breachguard.conf.5
MANPAGES8    = policy/man/pam_breachguard.8 policy/man/breachguard.8
# Files are installed root-owned when run as root; a non-root DESTDIR install
# keeps the caller as owner (packaging builds fix ownership themselves).
BG_OWNER     = $(if $(filter 0,$(shell id -u)),-o root -g root,)

.PHONY: install uninstall man-lint

install: all
	$(INSTALL) -d -m 0755 $(DESTDIR)$(PAMDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SECDIR) $(DESTDIR)$(PAMCONFDIR)
	$(INSTALL) $(BG_OWNER) -m 0644 $(MODULE) $(DESTDIR)$(PAMDIR)/pam_breachguard.so
	$(INSTALL) $(BG_OWNER) -m 0755 $(TOOL) $(DESTDIR)$(SBINDIR)/breachguard
	$(INSTALL) $(BG_OWNER) -m 0644 policy/pam-configs/breachguard \
	    $(DESTDIR)$(PAMCONFDIR)/breachguard
	$(INSTALL) $(BG_OWNER) -m 0644 policy/pam-configs/breachguard-history \
	    $(DESTDIR)$(PAMCONFDIR)/breachguard-history
	$(INSTALL) $(BG_OWNER) -m 0644 $(MANPAGES5) $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) $(BG_OWNER) -m 0644 $(MANPAGES8) $(DESTDIR)$(MANDIR)/man8/
	@if [ -e $(DESTDIR)$(SECDIR)/breachguard.conf ] || [ -L $(DESTDIR)$(SECDIR)/breachguard.conf ]; then \
	    echo "install: keeping the existing $(DESTDIR)$(SECDIR)/breachguard.conf"; \
	else \
	    echo "$(INSTALL) $(BG_OWNER) -m 0644 policy/breachguard.conf $(DESTDIR)$(SECDIR)/breachguard.conf"; \
	    $(INSTALL) $(BG_OWNER) -m 0644 policy/breachguard.conf $(DESTDIR)$(SECDIR)/breachguard.conf; \
	fi
	$(INSTALL) -d -m 0755 $(DESTDIR)$(SYSTEMDUNITDIR)
	$(INSTALL) $(BG_OWNER) -m 0644 policy/systemd/breachguard-verify.service \
	    policy/systemd/breachguard-verify.timer $(DESTDIR)$(SYSTEMDUNITDIR)/
	@if [ -z "$(DESTDIR)" ] && [ ! -d /run/systemd/system ]; then \
	    echo "$(INSTALL) -m 0644 policy/cron/breachguard-verify $(CRONDIR)/breachguard-verify"; \
	    $(INSTALL) $(BG_OWNER) -d -m 0755 $(CRONDIR) && \
	    $(INSTALL) $(BG_OWNER) -m 0644 policy/cron/breachguard-verify $(CRONDIR)/breachguard-verify; \
	elif [ -n "$(DESTDIR)" ]; then \
	    $(INSTALL) -d -m 0755 $(DESTDIR)/usr/share/doc/breachguard; \
	    $(INSTALL) $(BG_OWNER) -m 0644 policy/cron/breachguard-verify $(DESTDIR)/usr/share/doc/breachguard/cron.breachguard-verify; \
	fi
	@if [ -z "$(DESTDIR)" ]; then \
	    echo "install: next: breachguard init; pam-auth-update --enable breachguard;" \
	         "systemctl enable --now breachguard-verify.timer" \
	         "(Debian/Ubuntu; see README for RHEL-like systems)"; \
	fi

# On the live system (no DESTDIR) the profile is disabled first, and the module
# is not removed while any /etc/pam.d file still names it: a "required" line
# for a missing module would lock every user out.
uninstall:
	@if [ -z "$(DESTDIR)" ] && command -v pam-auth-update >/dev/null 2>&1 && \
	    [ -e $(PAMCONFDIR)/breachguard ]; then \
	    echo "DEBIAN_FRONTEND=noninteractive pam-auth-update --package --remove breachguard"; \
	    DEBIAN_FRONTEND=noninteractive pam-auth-update --package --remove breachguard || exit 1; \
	fi
	@if [ -z "$(DESTDIR)" ] && command -v pam-auth-update >/dev/null 2>&1 && \
	    [ -e $(PAMCONFDIR)/breachguard-history ]; then \
	    echo "DEBIAN_FRONTEND=noninteractive pam-auth-update --package --remove breachguard-history"; \
	    DEBIAN_FRONTEND=noninteractive pam-auth-update --package --remove breachguard-history || exit 1; \
	fi
	@if [ -z "$(DESTDIR)" ] && refs=$$(grep -ls 'pam_breachguard\.so' /etc/pam.d/* /etc/pam.conf); then \
	    echo "uninstall: pam_breachguard.so is still used by:" $$refs >&2; \
	    echo "uninstall: remove those lines first (nothing was removed)" >&2; \
	    exit 1; \
	fi
	-@[ -n "$(DESTDIR)" ] || systemctl disable --now breachguard-verify.timer >/dev/null 2>&1
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/breachguard-verify.service \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/breachguard-verify.timer $(DESTDIR)$(CRONDIR)/breachguard-verify \
	    $(DESTDIR)/usr/share/doc/breachguard/cron.breachguard-verify
	rm -f $(DESTDIR)$(PAMDIR)/pam_breachguard.so $(DESTDIR)$(SBINDIR)/breachguard \
	    $(DESTDIR)$(PAMCONFDIR)/breachguard $(DESTDIR)$(PAMCONFDIR)/breachguard-history \
	    $(DESTDIR)$(MANDIR)/man5/breachguard.conf.5 \
	    $(DESTDIR)$(MANDIR)/man8/pam_breachguard.8 $(DESTDIR)$(MANDIR)/man8/breachguard.8
	@c=$(DESTDIR)$(SECDIR)/breachguard.conf; \
	if [ -f "$$c" ] && cmp -s policy/breachguard.conf "$$c"; then \
	    echo "rm -f $$c"; rm -f "$$c"; \
	elif [ -e "$$c" ]; then \
	    echo "uninstall: keeping $$c (changed by the administrator)"; \
	fi
	@echo "uninstall: the key ($(SECDIR)/breachguard.key) and the store (/var/lib/breachguard)" \
	      "are left in place; remove them by hand when no longer needed"

man-lint:
	@command -v mandoc >/dev/null 2>&1 || { echo "man-lint: mandoc not installed (apt-get install mandoc)" >&2; exit 1; }
	mandoc -Tlint -W warning $(MANPAGES5) $(MANPAGES8)
