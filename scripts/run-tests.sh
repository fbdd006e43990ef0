#!/usr/bin/env bash
# `make test`: start the real servers, run the whole suite on SQLite and on PostgreSQL, always stop them.
set -uo pipefail
cd "$(dirname "$0")/.."
trap 'bash scripts/testservers.sh stop' EXIT
bash scripts/testservers.sh start || exit 1
# shellcheck disable=SC1091
source .testservers/env
export KUNDWEB_REQUIRE_REAL_SERVERS=1
status=0
echo "=== Test suite on SQLite"
.venv/bin/pytest -q -p no:cacheprovider "$@" || status=1
echo "=== Test suite on PostgreSQL"
KUNDWEB_TEST_DATABASE_URL="$KUNDWEB_TEST_POSTGRES_URL" .venv/bin/pytest -q -p no:cacheprovider "$@" || status=1
exit $status
