#!/bin/sh
# After the files are unpacked (deb: postinst configure; rpm: %post). The
# data directory is made here, not shipped, so that removing the package
# never touches it. A first install enables the service without starting
# it (edit /etc/kasuhara/kasuhara.env first); an upgrade restarts a running
# server, which migrates the database as it starts.
set -e
case "$1" in
configure) upgrade=${2:+yes} ;;      # deb: $2 is the version replaced, if any
1) upgrade= ;;                       # rpm: first install
2) upgrade=yes ;;                    # rpm: upgrade
*) exit 0 ;;
esac
install -d -o kasuhara -g kasuhara -m 0700 /var/lib/kasuhara
chown kasuhara:kasuhara /var/lib/kasuhara
chmod 0700 /var/lib/kasuhara
chown root:kasuhara /etc/kasuhara /etc/kasuhara/kasuhara.env
chmod 0750 /etc/kasuhara
chmod 0640 /etc/kasuhara/kasuhara.env
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null || true
	if [ -n "$upgrade" ]; then
		systemctl try-restart kasuhara.service >/dev/null || true
	else
		systemctl enable kasuhara.service >/dev/null || true
	fi
fi
if [ -z "$upgrade" ]; then
	cat <<'MSG'
Kasuhara is installed. Set KASUHARA_BASE_URL (and the database, mail) in
/etc/kasuhara/kasuhara.env, then: systemctl start kasuhara
The first start prints the first admin's one-time password once:
journalctl -u kasuhara
MSG
fi
