#!/usr/bin/env bash
# Sync through a session: first push and incremental push (3 files changed) of a 2,000-file project
# beside a full tarball pushed through the same session (bench/session-sync.ts; docs/benchmarks.md).
# Needs the test hosts of scripts/infra (node24, reached through test/fixtures/pty-only/ssh-tt).
#
#   bash bench/session-sync.sh            # REPS=5 KIND=mixed (1,900 sources + 100 assets of 200 KB)
#   KIND=code bash bench/session-sync.sh  # 2,000 source files only
set -euo pipefail
cd "$(dirname "$0")/.."
set -a; . ./.test-infra.env; set +a
# Bundled inside node_modules/ so the external node-pty resolves from there (ESM ignores NODE_PATH).
out=node_modules/.cache/hsm-bench-session-sync
mkdir -p "$out"
npx --no-install esbuild bench/session-sync.ts --bundle --platform=node --format=esm --target=node20 \
  --external:node-pty --outfile="$out/bench.mjs" --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr('$PWD/package.json');"
WRAPPER="$PWD/test/fixtures/pty-only/ssh-tt" node "$out/bench.mjs"
