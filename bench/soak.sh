#!/usr/bin/env bash
# The must-show soak test of the core promise at full length: 20 rounds (HSM_SOAK_ROUNDS to change) of
# kill -9 of hsm at random moments, four concurrent `hsm complete`, a full output disk (tmpfs) and
# `hsm cancel` of a sweep whose hsm was killed, on one sweep of 40 tasks; a ledger written by the tasks
# proves every task finished exactly once (20 rounds take ~16 s here; the suite runs 20, this script
# as many as HSM_SOAK_ROUNDS says).
# Needs root (tmpfs). Prints vitest's verdict and the time it took.
set -euo pipefail
cd "$(dirname "$0")/.."
export HSM_SOAK_ROUNDS=${HSM_SOAK_ROUNDS:-20}
exec npx vitest run test/e2e/soak.test.ts
