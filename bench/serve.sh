#!/usr/bin/env bash
# `hsm serve` on a 100,000-task sweep built directly through the store: median time of a sorted,
# filtered page of 100 rows (target: under 100 ms), and the live stream while the store takes 1,000
# task events a second (target: it keeps up). See bench/serve.ts.
#
#   bash bench/serve.sh               # N=100000, RUNS=21, RATE=1000, SECONDS=10
#   WORK=/tmp/keep bash bench/serve.sh   # keeps the sweep directory
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
# Bundled inside node_modules/ so the external better-sqlite3 resolves from there (ESM ignores NODE_PATH).
out=node_modules/.cache/hsm-bench-serve
mkdir -p "$out"
npx --no-install esbuild bench/serve.ts --bundle --platform=node --format=esm --target=node20 \
  --external:better-sqlite3 --outfile="$out/bench.mjs" --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr('$PWD/package.json');"
if [ -z "${WORK:-}" ]; then
  WORK=$(mktemp -d "${BENCH_DIR:-/tmp}/hsm-bench-serve-XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
fi
WORK=$WORK HSM_BIN="$PWD/bin/hsm.js" node "$out/bench.mjs"
