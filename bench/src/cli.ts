// The benchmark CLI: `pnpm bench <command>` from the repository root.
// Exit status: 0 done, 1 failed, 2 bad command line (the usage is printed).

import { processIo, runCommandLine } from '@smallworld/hnsw/cli';
import { USAGE, main } from './commands.js';

process.exitCode = await runCommandLine(USAGE, processIo(), () => main(process.argv.slice(2)));
