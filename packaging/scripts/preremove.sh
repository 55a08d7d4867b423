#!/bin/sh
# Before the files are removed (deb: prerm remove; rpm: %preun on erase):
# stop and disable the service. An upgrade keeps it running until
# postinstall restarts it.
set -e
case "$1" in
remove|0) ;;
*) exit 0 ;;
esac
if [ -d /run/systemd/system ]; then
	systemctl stop kasuhara.service >/dev/null 2>&1 || true
	systemctl disable kasuhara.service >/dev/null 2>&1 || true
fi
