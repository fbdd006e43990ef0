#!/usr/bin/env bash
# The Debian packages the tests (or, with "bench", the benchmarks) need; installed only when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("${@:2}"); }
if [ "${1:-}" = bench ]; then
  need wrk wrk
else
  need samba samba samba-ad-dc winbind krb5-user
  need samba-tool samba
  need ldapwhoami ldap-utils
  need chromium chromium
  need npm npm  # fetches axe-core for the accessibility checks
  need openssl openssl  # self-signed certificates for the SMTP TLS tests
  need nginx nginx  # the reverse proxy in front of gunicorn, tested with the deploy/ sample
  [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "${1:-}" != bench ]; then
  bash scripts/fetch-axe.sh
fi
