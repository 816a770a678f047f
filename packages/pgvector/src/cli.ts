#!/usr/bin/env node
// `pnpm pgvector <command>` (see commands.ts): runs one command and sets the exit code.

import { closePool } from '@smallworld/hnsw';
import { runCli } from './commands.js';

process.exitCode = await runCli(process.argv.slice(2));
await closePool();
