#!/usr/bin/env bash
# run-schemathesis.sh - property-based API tests (schemathesis) against a running server.
#
# Required env:
#   ST_BASE_URL    e.g. http://127.0.0.1:8099   (the document is read from $ST_BASE_URL$ST_SCHEMA_PATH)
#   ST_TOKEN       bearer token; sent as "Authorization: Bearer $ST_TOKEN" on every request
#   ST_WORKSPACE   UUID; sent as "X-Workspace-Id: $ST_WORKSPACE" on every request
# Optional env (defaults in brackets):
#   ST_VENV                   virtualenv folder, created with the pinned schemathesis if missing [.venv-schemathesis]
#   ST_PYTHON                 python used to create the venv [python3]
#   ST_MAX_EXAMPLES           fuzzing test cases per operation (stateless) [10]
#   ST_STATEFUL               1 = run the stateful phase, 0 = skip it [1]
#   ST_STATEFUL_GROUPS        auto = one stateful run per batch of resource collections found in the
#                             document; all = one stateful run over every operation; or a
#                             space-separated list of path regexes, one stateful run each [auto]
#   ST_STATEFUL_BATCH         collections per stateful run when ST_STATEFUL_GROUPS=auto [5]
#   ST_STATEFUL_MAX_EXAMPLES  stateful scenarios per collection [20]
#   ST_SEED                   seed, for reproducible runs [4242]
#   ST_WORKERS                concurrent workers [1]  (>1 brings no speed-up on 2 cores, makes runs
#                             non-reproducible, and on Python < 3.12 crashes at random: forced to 1 there)
#   ST_REQUEST_TIMEOUT        seconds per request [10]
#   ST_WAIT_FOR_SCHEMA        seconds to wait for the document to be served [60]
#   ST_SCHEMA_PATH            [/openapi.json]
#   ST_API_URL                base URL the requests go to [unset: host of ST_BASE_URL + path of the
#                             document's servers[0].url]; set it if servers[0].url has a path prefix
#                             that the running server does not use
#   ST_CHECKS                 comma-separated checks [see DEFAULT_CHECKS below]
#   ST_EXCLUDE_PATH_REGEX     operations whose path matches are not tested [^/metrics$]
#                             (operations answering text/event-stream, and those marked
#                             x-implemented: false, are found and excluded automatically)
#   ST_REPORT_DIR             JUnit XML reports and schemathesis' own files go here [schemathesis-report]
#   ST_EXTRA_ARGS             extra arguments appended to every `st run` (word-split)
# Exit status: 0 when every run passed; otherwise the first non-zero status of a run
#   (schemathesis: 1 = failures found, 2 = error / nothing tested, 130 = interrupted).
set -euo pipefail

ST_PINNED_VERSION="4.32.5"
DEFAULT_CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection,missing_required_header,ignored_auth,use_after_free,ensure_resource_availability"

: "${ST_BASE_URL:?set ST_BASE_URL, e.g. http://127.0.0.1:8099}"
: "${ST_TOKEN:?set ST_TOKEN}"
: "${ST_WORKSPACE:?set ST_WORKSPACE (a UUID)}"
ST_VENV="${ST_VENV:-.venv-schemathesis}"
ST_PYTHON="${ST_PYTHON:-python3}"
ST_MAX_EXAMPLES="${ST_MAX_EXAMPLES:-10}"
ST_STATEFUL="${ST_STATEFUL:-1}"
ST_STATEFUL_GROUPS="${ST_STATEFUL_GROUPS:-auto}"
ST_STATEFUL_BATCH="${ST_STATEFUL_BATCH:-5}"
ST_STATEFUL_MAX_EXAMPLES="${ST_STATEFUL_MAX_EXAMPLES:-20}"
ST_SEED="${ST_SEED:-4242}"
ST_WORKERS="${ST_WORKERS:-1}"
ST_REQUEST_TIMEOUT="${ST_REQUEST_TIMEOUT:-10}"
ST_WAIT_FOR_SCHEMA="${ST_WAIT_FOR_SCHEMA:-60}"
ST_SCHEMA_PATH="${ST_SCHEMA_PATH:-/openapi.json}"
ST_CHECKS="${ST_CHECKS:-$DEFAULT_CHECKS}"
ST_EXCLUDE_PATH_REGEX="${ST_EXCLUDE_PATH_REGEX:-^/metrics\$}"
ST_REPORT_DIR="${ST_REPORT_DIR:-schemathesis-report}"
ST_EXTRA_ARGS="${ST_EXTRA_ARGS:-}"
ST_API_URL="${ST_API_URL:-}"
export ST_TOKEN ST_WORKSPACE  # read by the generated config file, so the token is never on a command line

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[run-schemathesis] %s\n' "$*"; }

T_START=$(now)
ST_BASE_URL="${ST_BASE_URL%/}"
SCHEMA_URL="$ST_BASE_URL$ST_SCHEMA_PATH"
mkdir -p "$ST_REPORT_DIR"
REPORT_DIR_ABS="$(cd "$ST_REPORT_DIR" && pwd)"

# ---- 1. the venv with the pinned schemathesis --------------------------------------------------
T0=$(now)
ST_BIN="$ST_VENV/bin/st"
installed=""
if [ -x "$ST_VENV/bin/python" ]; then
  installed="$("$ST_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true)"
fi
if [ "$installed" != "$ST_PINNED_VERSION" ]; then
  log "installing schemathesis==$ST_PINNED_VERSION into $ST_VENV (found: ${installed:-none})"
  [ -x "$ST_VENV/bin/python" ] || "$ST_PYTHON" -m venv "$ST_VENV"
  "$ST_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$ST_PINNED_VERSION"
fi
ST_BIN="$(cd "$(dirname "$ST_BIN")" && pwd)/st"
PY_BIN="$(cd "$ST_VENV/bin" && pwd)/python"
T_INSTALL=$(secs "$T0" "$(now)")
log "schemathesis $("$PY_BIN" -c 'import importlib.metadata as m; print(m.version("schemathesis"))') on $("$PY_BIN" -c 'import platform; print("Python", platform.python_version())') (setup ${T_INSTALL}s)"

# Python < 3.12: concurrent ast.parse in Hypothesis threads fails with
# "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905), seen with -w 2 on 3.11.7.
if [ "$ST_WORKERS" != "1" ] && ! "$PY_BIN" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
  log "Python < 3.12 in $ST_VENV: using 1 worker instead of $ST_WORKERS (thread-safety bug in CPython's ast)"
  ST_WORKERS=1
fi

# ---- 2. the document: wait for it, find SSE operations and the stateful groups ----------------
T0=$(now)
PLAN="$("$PY_BIN" - "$SCHEMA_URL" "$ST_WAIT_FOR_SCHEMA" "$ST_STATEFUL_BATCH" "$ST_EXCLUDE_PATH_REGEX" <<'PY'
import json, re, sys, time, urllib.request
url, wait, batch, exclude_re = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
deadline = time.monotonic() + wait
while True:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            doc = json.load(r)
        break
    except Exception as e:  # noqa: BLE001
        if time.monotonic() > deadline:
            print(f"ERROR could not load {url}: {e}"); sys.exit(0)
        time.sleep(1)
methods = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
ops, sse, unimplemented, roots = 0, [], [], {}
for path, item in (doc.get("paths") or {}).items():
    if not isinstance(item, dict):
        continue
    excluded = bool(exclude_re) and re.search(exclude_re, path)
    for method, op in item.items():
        if method not in methods or not isinstance(op, dict):
            continue
        ops += 0 if excluded else 1
        media = [m for resp in (op.get("responses") or {}).values() if isinstance(resp, dict)
                 for m in (resp.get("content") or {})]
        if any(m.split(";")[0].strip().lower() == "text/event-stream" for m in media):
            sse.append(f"{method.upper()} {path}")
            ops -= 0 if excluded else 1
        elif op.get("x-implemented") is False:
            # Known but not offered: it answers 501 `not_supported` by design.
            unimplemented.append(f"{method.upper()} {path}")
            ops -= 0 if excluded else 1
    if excluded:
        continue
    segs = path.split("/")
    i = next((i for i, s in enumerate(segs) if "{" in s), None)
    if i is not None and i > 1:
        roots.setdefault("/".join(segs[:i]), set()).add(path)
# A collection is worth a stateful run if its root path (list / create) is also in the document.
groups = sorted(r for r in roots if r in (doc.get("paths") or {}))
print(f"OPS {ops}")
for name in sse:
    print(f"SSE {name}")
for name in unimplemented:
    print(f"UNIMPLEMENTED {name}")
for k in range(0, len(groups), max(batch, 1)):
    chunk = groups[k:k + max(batch, 1)]
    print(f"GROUP {len(chunk)} ^(" + "|".join(re.escape(g) for g in chunk) + ")(/|$)")
PY
)"
if grep -q '^ERROR' <<<"$PLAN"; then
  log "$(grep '^ERROR' <<<"$PLAN")"
  exit 2
fi
N_OPS="$(awk '/^OPS /{print $2}' <<<"$PLAN")"
T_SCHEMA=$(secs "$T0" "$(now)")

# ---- 3. common arguments -------------------------------------------------------------------------
CONFIG_FILE="$REPORT_DIR_ABS/schemathesis.toml"
cat >"$CONFIG_FILE" <<'TOML'
# generated by run-schemathesis.sh; ${...} are read from the environment by schemathesis
headers = { "Authorization" = "Bearer ${ST_TOKEN}", "X-Workspace-Id" = "${ST_WORKSPACE}" }

[warnings]
# Without this a wrong/expired token gives exit 0: every call answers 401, which is documented.
fail-on = ["missing_auth", "base_url_mismatch"]

# Operations that refuse the fuzzing principal by design, whatever is generated: staff-only
# actions, and downloads and callbacks whose signature no generator can forge. A broken token still fails the
# run through every other operation.
[[operations]]
include-name = ["POST /api/v1/auth/impersonate", "POST /api/v1/workspaces/provision", "GET /api/v1/files/avatars/{file_id}", "POST /api/v1/visibility/callbacks/n8n",
                "GET /api/v1/admin/workspaces/{workspace_id}/credits", "POST /api/v1/admin/workspaces/{workspace_id}/credits",
                "PUT /api/v1/admin/workspaces/{workspace_id}/limits/{limit_type}", "DELETE /api/v1/admin/workspaces/{workspace_id}/limits/{limit_type}",
                "PUT /api/v1/admin/workspaces/{workspace_id}/features/{feature}", "DELETE /api/v1/admin/workspaces/{workspace_id}/features/{feature}"]
warnings = false

# The AI helpers answer 503 provider_not_configured on a server without a language model, which is
# how this one runs: that is their documented answer, not a server error. Every other check applies.
[[operations]]
include-path-regex = "^/api/v1/crm/ai/"
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "503"]

# Routes that name their workspace in the path get the fuzzing workspace, as the header does.
[parameters]
"path.workspace_id" = "${ST_WORKSPACE}"
TOML

COMMON=(
  --workers "$ST_WORKERS"
  --seed "$ST_SEED"
  --request-timeout "$ST_REQUEST_TIMEOUT"
  --wait-for-schema "$ST_WAIT_FOR_SCHEMA"
  --checks "$ST_CHECKS"
  --generation-database none
  --generation-with-security-parameters false
  --no-color
)
[ -n "$ST_API_URL" ] && COMMON+=(--url "$ST_API_URL")
[ -n "$ST_EXCLUDE_PATH_REGEX" ] && COMMON+=(--exclude-path-regex "$ST_EXCLUDE_PATH_REGEX")
while IFS= read -r name; do
  [ -n "$name" ] && COMMON+=(--exclude-name "$name") && log "excluding $name (text/event-stream)"
done < <(sed -n 's/^SSE //p' <<<"$PLAN")
while IFS= read -r name; do
  [ -n "$name" ] && COMMON+=(--exclude-name "$name") && log "excluding $name (x-implemented: false, answers 501)"
done < <(sed -n 's/^UNIMPLEMENTED //p' <<<"$PLAN")
# shellcheck disable=SC2206
[ -n "$ST_EXTRA_ARGS" ] && COMMON+=($ST_EXTRA_ARGS)

# ---- 4. runs ---------------------------------------------------------------------------------------
SUMMARY=()
FINAL_RC=0
run_st() {  # label, then `st run` arguments
  local label="$1"; shift
  local out="$REPORT_DIR_ABS/$label.log" t0 rc=0 dt status
  t0=$(now)
  log "st run $SCHEMA_URL $* ${COMMON[*]} (log: $out)"
  # Each run in its own folder: schemathesis keeps the crash files for `st replay <id>` in
  # ./.schemathesis and a later run in the same folder would wipe them.
  mkdir -p "$REPORT_DIR_ABS/$label"
  (cd "$REPORT_DIR_ABS/$label" && "$ST_BIN" --config-file "$CONFIG_FILE" run "$SCHEMA_URL" "$@" "${COMMON[@]}" \
      --report junit --report-junit-path "$REPORT_DIR_ABS/junit-$label.xml") >"$out" 2>&1 || rc=$?
  dt=$(secs "$t0" "$(now)")
  status="passed"
  if [ "$rc" -eq 2 ] && grep -q "No links for stateful testing" "$out"; then
    status="skipped (no links)"; rc=0
  elif [ "$rc" -ne 0 ]; then
    status="FAILED (exit $rc)"
    # show schemathesis' own FAILURES / ERRORS section (or the log's end when there is none)
    local details
    details="$(sed -n '/^=* \(FAILURES\|ERRORS\) =*$/,$p' "$out")"
    if [ -n "$details" ]; then printf '%s\n' "$details"; else tail -n 40 "$out"; fi
    [ "$FINAL_RC" -eq 0 ] && FINAL_RC=$rc
  fi
  local cases
  cases="$(grep -E '^ +[0-9]+ generated|No test cases' "$out" | head -1 | sed 's/^ *//')"
  SUMMARY+=("$(printf '%-22s %-20s %7ss  %s' "$label" "$status" "$dt" "$cases")")
}

T0=$(now)
run_st stateless --phases examples,coverage,fuzzing --max-examples "$ST_MAX_EXAMPLES"
T_STATELESS=$(secs "$T0" "$(now)")

T0=$(now)
if [ "$ST_STATEFUL" = "1" ]; then
  case "$ST_STATEFUL_GROUPS" in
    all)
      run_st stateful --phases stateful --max-examples "$ST_STATEFUL_MAX_EXAMPLES" ;;
    auto)
      i=0
      while read -r _ n regex; do
        [ -n "$regex" ] || continue
        i=$((i + 1))
        run_st "stateful-$i" --phases stateful --include-path-regex "$regex" \
          --max-examples $((ST_STATEFUL_MAX_EXAMPLES * n))
      done < <(grep '^GROUP ' <<<"$PLAN")
      [ "$i" -gt 0 ] || log "no resource collections found for stateful testing" ;;
    *)
      i=0
      for regex in $ST_STATEFUL_GROUPS; do
        i=$((i + 1))
        run_st "stateful-$i" --phases stateful --include-path-regex "$regex" --max-examples "$ST_STATEFUL_MAX_EXAMPLES"
      done ;;
  esac
fi
T_STATEFUL=$(secs "$T0" "$(now)")

# ---- 5. summary --------------------------------------------------------------------------------------
T_TOTAL=$(secs "$T_START" "$(now)")
{
  echo
  echo "==================== schemathesis summary ===================="
  echo "schemathesis $ST_PINNED_VERSION  seed=$ST_SEED  workers=$ST_WORKERS  max-examples=$ST_MAX_EXAMPLES  stateful-scenarios/collection=$ST_STATEFUL_MAX_EXAMPLES"
  echo "document: $SCHEMA_URL  ($N_OPS operations tested)"
  for line in "${SUMMARY[@]}"; do echo "  $line"; done
  echo "time: setup ${T_INSTALL}s, document ${T_SCHEMA}s, stateless ${T_STATELESS}s, stateful ${T_STATEFUL}s, total ${T_TOTAL}s"
  if [ "${N_OPS:-0}" -gt 0 ]; then
    awk -v s="$T_STATELESS" -v f="$T_STATEFUL" -v n="$N_OPS" \
      'BEGIN { printf "per operation: stateless %.2fs, stateful %.2fs, both %.2fs\n", s / n, f / n, (s + f) / n }'
  fi
  echo "reports: $REPORT_DIR_ABS/junit-*.xml, logs: $REPORT_DIR_ABS/*.log"
  echo "replay a failure: cd $REPORT_DIR_ABS/<run> && ST_TOKEN=... ST_WORKSPACE=... $ST_BIN replay <Test Case ID>"
  if [ "$FINAL_RC" -eq 0 ]; then echo "RESULT: passed"; else echo "RESULT: FAILED (exit $FINAL_RC)"; fi
}
exit "$FINAL_RC"
