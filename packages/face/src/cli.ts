#!/usr/bin/env node
// `pnpm face <command>` (see commands.ts): runs one command and sets the exit code.

import { runCli } from './commands.js';

process.exitCode = await runCli(process.argv.slice(2));
