#!/bin/sh
# Installs the Debian packages the build and the tests need, when missing.
# As root it runs apt-get; otherwise it lists what to install and fails.
set -u
PKGS="build-essential clang libclang-rt-14-dev pkg-config libpam0g-dev liblmdb-dev lmdb-utils
libssl-dev zlib1g-dev libidn2-dev libunistring-dev libpam-wrapper libpamtest0-dev libnss-wrapper
valgrind mandoc openssh-server openssh-client sudo pamtester libpam-modules libpam-runtime
login passwd util-linux expect procps iproute2 python3
libarchive-dev libarchive-tools libuchardet-dev uchardet libxml2-dev nettle-dev locales
clang-tidy cppcheck clang-format
zip p7zip-full zstd xz-utils bzip2
chromium
debhelper dpkg-dev fakeroot lintian ansible-core python3-apt"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: all build and test packages present"; exit 0; }
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing missing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	{ echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
echo "deps: installed:$missing"
