#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds once, starts a throwaway PostgreSQL
# cluster under .data/test (fsync off), runs every test against it, then schemathesis against a
# running server (Python venv under .data/), and stops the cluster.
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

if [ "$#" -gt 0 ]; then
    swift test --skip-build "$@"
else
    # The whole suite in four processes, one after another. In one process, this 2-core machine
    # froze every run about three and a half minutes in (every task waiting, no thread busy, no
    # query running, no cooperative thread left); once the control-plane suites grew past 75 tests,
    # their process stalled too, so billing has a process of its own. Issue 13 looks for the cause.
    billing='ControlPlaneTests\.(BillingLimits|Subscription|Stripe[A-Za-z]*|CreditLedger)Tests'
    groups='ControlPlaneTests|MigratorTests'
    swift test --skip-build --filter "$billing"
    swift test --skip-build --filter "$groups" --skip "$billing"
    swift test --skip-build --filter 'TenantPlaneTests'
    swift test --skip-build --skip "$groups|TenantPlaneTests"
fi

# A minute of mixed load at 80% of the measured peak, every request answered (issue 13's soak).
if [ "$#" -eq 0 ]; then
    DATABASE_URL="$PLATFORM_TEST_DATABASE_URL" JWT_SECRET="soak-$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" LOG_LEVEL=error \
        .build/debug/platform soak --minutes 1
fi

# The API against its own OpenAPI document: a real server, a provisioned workspace, schemathesis.
# Skipped when the suite was filtered (arguments given), since then only part of it ran.
if [ "$#" -eq 0 ] && [ "${PLATFORM_SKIP_SCHEMATHESIS:-0}" != "1" ]; then
    bash provisioning/schemathesis.sh
fi
