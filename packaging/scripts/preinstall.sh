#!/bin/sh
# Before the files are unpacked (deb: preinst; rpm: %pre): the system user
# and group that run the server and own its data.
set -e
if ! getent group kasuhara >/dev/null; then
	groupadd --system kasuhara
fi
if ! getent passwd kasuhara >/dev/null; then
	useradd --system --gid kasuhara --home-dir /var/lib/kasuhara --no-create-home \
		--shell /usr/sbin/nologin --comment "Kasuhara server" kasuhara
fi
