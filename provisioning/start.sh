#!/usr/bin/env bash
# Starts the platform on http://127.0.0.1:${PORT:-8080}: installs what is missing, builds, and —
# when DATABASE_URL is unset — runs a local PostgreSQL under .data/, migrates, then serves.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
bash provisioning/setup.sh
swift build --product platform
exec .build/debug/platform serve "$@"
