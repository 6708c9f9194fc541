import { defineConfig } from 'vitest/config';
import SlurmSpreadSequencer from './test/helpers/sequencer.js';

// Tests run real processes (sshd, Slurm, shells): keep workers few on a 2-core machine and give
// integration tests room; a test that needs infrastructure reads its location from HSM_TEST_*.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-build.ts'], // the CLI is built once, before any file runs
    setupFiles: ['test/helpers/temp-dir.setup.ts'], // each file's temporary directories removed at its end
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    sequence: { sequencer: SlurmSpreadSequencer }, // Slurm files spread out: test/helpers/sequencer.ts
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
  },
});
