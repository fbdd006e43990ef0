#!/usr/bin/env bash
# `make run`: the dev web server and the one scheduler process side by side; both stop together.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-5000}
.venv/bin/flask kundweb scheduler &
scheduler_pid=$!
trap 'kill "$scheduler_pid" 2>/dev/null || true; wait "$scheduler_pid" 2>/dev/null || true' EXIT INT TERM
echo "Kundweb: http://127.0.0.1:${port}  (scheduler pid ${scheduler_pid}; Ctrl-C stops both)"
# No reloader: it would start the app twice; the scheduler runs only in its own process above.
.venv/bin/flask run --host 127.0.0.1 --port "$port" --no-reload
