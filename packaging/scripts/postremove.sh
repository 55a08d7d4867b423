#!/bin/sh
# After the files are removed (deb: postrm; rpm: %postun). The data
# directory (database, evidence, keys) and the kasuhara user stay, even on
# purge, because a harassment case's records must outlive a mistaken
# removal. To delete them as well, purge with KASUHARA_PURGE_DATA=yes:
#   sudo KASUHARA_PURGE_DATA=yes apt purge kasuhara
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
case "$1" in
purge) ;;                       # deb
0) ;;                           # rpm: erase (rpm has no purge)
*) exit 0 ;;
esac
if [ "$1" = purge ]; then
	rm -f /etc/kasuhara/kasuhara.env /etc/kasuhara/kasuhara.env.dpkg-*
	rmdir /etc/kasuhara 2>/dev/null || true
fi
if [ "${KASUHARA_PURGE_DATA:-}" = yes ]; then
	rm -rf /var/lib/kasuhara
	if getent passwd kasuhara >/dev/null; then userdel kasuhara; fi
	if getent group kasuhara >/dev/null; then groupdel kasuhara; fi
	echo "kasuhara: deleted /var/lib/kasuhara and the kasuhara user (KASUHARA_PURGE_DATA=yes)"
elif [ -d /var/lib/kasuhara ]; then
	echo "kasuhara: kept /var/lib/kasuhara and the kasuhara user; purge with KASUHARA_PURGE_DATA=yes to delete them"
fi
