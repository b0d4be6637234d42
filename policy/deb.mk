# policy/deb.mk: make deb (included by the Makefile).
#
# Builds the Debian package pam-breachguard_VERSION_ARCH.deb into $(BUILD)/deb/
# (VERSION from debian/changelog) with dpkg-buildpackage and debhelper, from a
# copy of the source tree in $(BUILD)/deb/pam-breachguard-VERSION/ (the files
# git knows, tracked or new and not ignored, as in the work tree; outside a git
# checkout every file but build/), so that neither the build
# nor its clean step touches the work tree, and the result does not land in
# the directory above the checkout.  Then lintian; any lintian error fails.
# Needs dpkg-dev, debhelper, fakeroot and lintian (tests/deps.sh); no network,
# no root.

DEB_VERSION = $(shell dpkg-parsechangelog -l debian/changelog -S Version)
DEB_ARCH    = $(shell dpkg-architecture -qDEB_HOST_ARCH)
DEB_OUT     = $(BUILD)/deb
DEB_STAGE   = $(DEB_OUT)/pam-breachguard-$(DEB_VERSION)
DEB_FILE    = $(DEB_OUT)/pam-breachguard_$(DEB_VERSION)_$(DEB_ARCH).deb
DEB_JOBS   ?= 2

.PHONY: deb

deb:
	@for c in dpkg-buildpackage dh fakeroot lintian; do \
	    command -v $$c >/dev/null 2>&1 || { echo "deb: $$c missing (make deps)" >&2; exit 1; }; \
	done
	rm -rf $(DEB_OUT)
	mkdir -p $(DEB_STAGE)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	    git ls-files -z --cached --others --exclude-standard; \
	else \
	    find . \( -path ./.git -o -path ./build -o -path ./$(BUILD) \) -prune -o -type f -print0; \
	fi | tar --null --ignore-failed-read -T - -cf - | tar -C $(DEB_STAGE) -xf -
	cd $(DEB_STAGE) && dpkg-buildpackage -b -us -uc -j$(DEB_JOBS) >../build.log 2>&1 || \
	    { tail -n 40 ../build.log >&2; echo "deb: dpkg-buildpackage failed; log: $(DEB_OUT)/build.log" >&2; exit 1; }
	lintian --fail-on error --tag-display-limit 0 $(DEB_FILE)
	@echo "deb: $(DEB_FILE)"
