# tests/e2e/ns.sh "SRC:DST ..." CMD...: runs CMD where each fixed path DST
# shows the file SRC.  Run it under `unshare -m --propagation private`: the
# bind mounts live in that private mount namespace and die with it, so the
# real files (/etc/pam.d/su-l, login, passwd) are never written.
binds=$1
shift
for b in $binds; do
	mount --bind "${b%%:*}" "${b#*:}" || exit 97
done
exec "$@"
