// hsm's command line as one CommonJS file (dist/cli.cjs), for bin/hsm.js to compile with a V8 code
// cache: `hsm run` and `hsm complete` start sooner (docs/benchmarks.md).
import { main } from './cli-main.js';

void main();
