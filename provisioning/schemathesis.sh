#!/usr/bin/env bash
# Runs schemathesis against a real `platform serve` on a scratch database of the test cluster,
# with the credentials of a freshly provisioned workspace. Called by test.sh after the Swift
# tests; needs PLATFORM_TEST_DATABASE_URL (the cluster) and a built .build/debug/platform.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PLATFORM_TEST_DATABASE_URL:?run through provisioning/test.sh}"

port="${PLATFORM_ST_PORT:-18097}"
database="st_$(date +%s)_$$"
admin="$PLATFORM_TEST_DATABASE_URL"
server_url="${admin%/*}/$database"
server_url="${server_url%%\?*}?sslmode=disable"
psql_admin() { psql "${admin%%\?*}" -v ON_ERROR_STOP=1 -qAt -c "$1"; }

psql_admin "CREATE DATABASE $database"
log=".data/schemathesis/server.log"
mkdir -p .data/schemathesis
# Visibility runs ask the local fake provider, so starting one is a real run, not a 503.
provider_port="${PLATFORM_ST_PROVIDER_PORT:-18098}"
.build/debug/platform visibility fake-provider --port "$provider_port" >.data/schemathesis/provider.log 2>&1 &
provider=$!
DATABASE_URL="$server_url" JWT_SECRET="schemathesis-$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')" LOG_LEVEL=warning \
    SIGNUPS_PER_CLIENT=1000000 SIGNUPS_PER_MINUTE=1000000 LOGINS_PER_CLIENT=1000000 LOGINS_PER_MINUTE=1000000 \
    OPENAI_API_KEY=fake OPENAI_BASE_URL="http://127.0.0.1:$provider_port/v1" VISIBILITY_PROVIDERS=openai INITIAL_CREDITS=100000 \
    .build/debug/platform serve --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
server=$!
cleanup() {
    kill "$server" "$provider" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    psql_admin "DROP DATABASE IF EXISTS $database WITH (FORCE)" || true
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
    curl -fsS "$base/ready" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$log"; echo "the server did not start" >&2; exit 1; }
    sleep 0.5
done

signup=$(curl -fsS -X POST "$base/api/v1/auth/signup" -H 'content-type: application/json' \
    -d '{"email":"schemathesis@example.com","password":"correct horse battery staple","full_name":"Schema Thesis","company_name":"Fuzz Co"}')
read -r token workspace < <(python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["access_token"], r["workspace_id"])' <<<"$signup")

ST_BASE_URL="$base" ST_TOKEN="$token" ST_WORKSPACE="$workspace" \
ST_VENV="${ST_VENV:-.data/venv-schemathesis}" ST_REPORT_DIR=".data/schemathesis" \
ST_MAX_EXAMPLES="${ST_MAX_EXAMPLES:-10}" \
    bash provisioning/run-schemathesis.sh
