#!/usr/bin/env bash
# Regenerate results.json with promptfoo itself against CanvasBench's fake OpenAI server (no network).
# Needs node >= 20.20 and the registry: run from the repository root, `bash tests/imports/promptfoo/make_results.sh`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="0.121.20"   # the last promptfoo that runs on node 20 (0.122 needs node 22.22)
work="$(mktemp -d)"
trap 'kill "${fake_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=8791
.venv/bin/python -m tests.fakes --port "$port" >/dev/null &
fake_pid=$!
sleep 2
(cd "$work" && npm install --no-audit --no-fund --silent "promptfoo@$version" >/dev/null)
export FAKE_BASE_URL="http://127.0.0.1:$port" OPENAI_API_KEY=sk-fake PROMPTFOO_CONFIG_DIR="$work/home" \
       PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_CACHE_ENABLED=false
"$work/node_modules/.bin/promptfoo" eval -c "$here/promptfooconfig.yaml" -o "$here/results.json" --no-progress-bar \
  || true   # promptfoo exits non-zero when a test fails (the broken provider does, by design)
echo "promptfoo $version" > "$here/VERSION"
echo "wrote $here/results.json"
