// hsm's command line as an ES module (dist/cli.js: each command's code a chunk loaded when it runs).
import { main } from './cli-main.js';

await main();
