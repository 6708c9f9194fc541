#!/usr/bin/env bash
# Per-command overhead of the shell transport over a raw shell in the same pty (N=200 `true`).
# Adds an `ssh -tt` row when the test hosts of scripts/infra are up (.test-infra.env).
#
#   bash bench/shell-transport.sh          # N=200
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200}
[ -f .test-infra.env ] && set -a && . ./.test-infra.env && set +a
# Bundled inside node_modules/ so the external node-pty resolves from there (ESM ignores NODE_PATH).
out=node_modules/.cache/hsm-bench-shell
mkdir -p "$out"
npx --no-install esbuild bench/shell-transport.ts --bundle --platform=node --format=esm --target=node20 \
  --external:node-pty --outfile="$out/bench.mjs" --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr('$PWD/package.json');"
N=$N SSH_CONFIG="${HSM_TEST_SSH_CONFIG:-}" SSH_HOST="${HSM_TEST_SSH_HOSTS%%,*}" node "$out/bench.mjs"
