#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds once, starts a throwaway PostgreSQL
# cluster under .data/test (fsync off), runs every test against it, stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
bash provisioning/setup.sh

swift build --build-tests

port="${PLATFORM_TEST_PG_PORT:-54329}"
db() { .build/debug/platform db "$1" --directory .data/test --port "$port" --database postgres --ephemeral; }
PLATFORM_TEST_DATABASE_URL="$(db start)"
export PLATFORM_TEST_DATABASE_URL
trap 'db stop >/dev/null 2>&1 || true' EXIT

swift test --skip-build "$@"
