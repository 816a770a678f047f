// Our published declarations against hnswlib-node's own index.d.ts (it ships
// them even where its native build fails): compiles test/types/compat.ts
// against dist/ (the root `prepare` builds it).

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

const builtTypes = join(here, '..', 'dist', 'index.d.ts');

describe('TypeScript declarations', () => {
  it.skipIf(!existsSync(builtTypes))("are assignable to hnswlib-node's, and wider where documented (skipped when dist/ is not built)", () => {
    const program = ts.createProgram([join(here, 'types', 'compat.ts')], {
      strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [], lib: ['lib.es2022.d.ts'],
    });
    const messages = ts.getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages).toEqual([]);
  });
});
