#!/usr/bin/env bash
# Fetch axe-core for the browser tests' accessibility checks into .cache/axe-core/.
#
# Pinned so that a new axe release cannot turn a green build red overnight; bump
# PINNED (and PINNED_INTEGRITY, from `npm view axe-core@<ver> dist.integrity`) on purpose.
# Should the pinned version ever vanish from the registry, the newest 4.x release is
# used instead and the script says so.
# Idempotent: does nothing when axe.min.js is already there with the expected version.
set -euo pipefail

PINNED=4.11.0
PINNED_INTEGRITY="sha512-ilYanEU8vxxBexpJd8cWM4ElSQq4QctCLKih0TSfjIfCQTeyH/6zVrmIJfLPrKTKJRbiG+cfnZbQIjAlJmF1jQ=="

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST="$ROOT/.cache/axe-core"
TARGET="$DEST/axe.min.js"
VERSION_FILE="$DEST/VERSION"

installed_version() {
    [[ -s "$TARGET" && -f "$VERSION_FILE" ]] && cat "$VERSION_FILE" || true
}

# Fast path without touching the network: the pinned version is already in place.
if [[ "$(installed_version)" == "$PINNED" ]]; then
    echo "axe-core $PINNED already in ${TARGET#"$ROOT"/}"
    exit 0
fi

command -v npm >/dev/null || { echo "fetch-axe: npm is needed (apt-get install -y npm)" >&2; exit 1; }

if [[ "$(npm view "axe-core@$PINNED" version 2>/dev/null || true)" == "$PINNED" ]]; then
    VERSION=$PINNED
else
    # Newest stable 4.x: no canary or other pre-release builds.
    VERSION=$(npm view axe-core versions --json | node -e '
        const all = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const stable = all.filter(v => /^4\.\d+\.\d+$/.test(v));
        const key = v => v.split(".").map(Number);
        stable.sort((a, b) => { const x = key(a), y = key(b); return x[1] - y[1] || x[2] - y[2]; });
        process.stdout.write(stable.length ? stable[stable.length - 1] : "");')
    [[ -n "$VERSION" ]] || { echo "fetch-axe: no axe-core 4.x release found on the registry" >&2; exit 1; }
    echo "fetch-axe: axe-core $PINNED is not on the registry; using the newest 4.x, $VERSION" >&2
    if [[ "$(installed_version)" == "$VERSION" ]]; then
        echo "axe-core $VERSION already in ${TARGET#"$ROOT"/}"
        exit 0
    fi
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# npm pack checks the tarball against the registry's integrity hash; for the pinned
# version we also compare that hash with the one recorded above.
npm pack "axe-core@$VERSION" --pack-destination "$WORK" --json --silent >"$WORK/pack.json"
if [[ "$VERSION" == "$PINNED" ]]; then
    INTEGRITY=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].integrity)' "$WORK/pack.json")
    if [[ "$INTEGRITY" != "$PINNED_INTEGRITY" ]]; then
        echo "fetch-axe: integrity mismatch for axe-core $VERSION: got $INTEGRITY" >&2
        exit 1
    fi
fi

tar -xzf "$WORK"/axe-core-*.tgz -C "$WORK" package/axe.min.js
# The bundle announces its own version in its first line ("/*! axe v4.11.0 ...").
if ! head -c 200 "$WORK/package/axe.min.js" | grep -q "axe v$VERSION"; then
    echo "fetch-axe: the downloaded axe.min.js does not say it is version $VERSION" >&2
    exit 1
fi

mkdir -p "$DEST"
# Write the script first and the version last, so an interrupted run is retried next time.
rm -f "$VERSION_FILE"
install -m 0644 "$WORK/package/axe.min.js" "$TARGET"
printf '%s\n' "$VERSION" >"$VERSION_FILE"
echo "axe-core $VERSION installed in ${TARGET#"$ROOT"/}"
