#!/usr/bin/env bash
# The whole test suite, as the README and CI run it: installs dependencies if missing, builds the
# CLI, starts the real test infrastructure (sshd hosts in network namespaces, Slurm with
# accounting), runs every test, tears the infrastructure down and prints `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules/better-sqlite3 ] || npm ci --no-fund --no-audit
npm run --silent build || { echo "0 passed, 1 failed"; exit 1; }

infra_up=0
if [ "${HSM_TEST_NO_INFRA:-0}" != 1 ] && [ "$(id -u)" = 0 ] && [ -x scripts/infra/up.sh ]; then
  if scripts/infra/up.sh; then infra_up=1; else echo "test infrastructure failed to start" >&2; fi
fi
if [ "${HSM_TEST_NO_INFRA:-0}" != 1 ] && [ "$(id -u)" != 0 ] && [ ! -f .test-infra.env ]; then
  echo "not root: the sshd hosts and Slurm cannot be started, so the tests that need them will fail;" \
    "HSM_TEST_NO_INFRA=1 npm test leaves them out" >&2
fi
[ -f .test-infra.env ] && set -a && . ./.test-infra.env && set +a

mkdir -p .test-results
npx vitest run "$@"
rc=$?

if [ "$infra_up" = 1 ] && [ "${HSM_TEST_KEEP_INFRA:-0}" != 1 ]; then scripts/infra/down.sh || true; fi

node -e '
  const fs = require("fs");
  let r; try { r = JSON.parse(fs.readFileSync(".test-results/vitest.json", "utf8")); } catch { r = null; }
  if (!r) { console.log("0 passed, 1 failed"); process.exit(0); }
  const failed = r.numFailedTests + (r.numFailedTestSuites > 0 && r.numFailedTests === 0 ? r.numFailedTestSuites : 0);
  console.log(`${r.numPassedTests} passed, ${failed} failed`);
'
exit $rc
