// The benchmark CLI: `pnpm bench <command>` from the repository root.
// Exit status: 0 done, 1 failed, 2 bad command line (the usage is printed).

import { UsageError } from './args.js';
import { USAGE, main } from './commands.js';
import { log } from './stats.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    if (error instanceof UsageError) {
      log(`error: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      log(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  },
);
