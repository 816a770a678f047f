import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stripHooks } from '../src/trace-overhead.js';

const ALGORITHMS = new URL('../../packages/hnsw/src/algorithms/', import.meta.url);

describe('trace-overhead stripHooks', () => {
  it('removes one-line hooks, braced hook blocks, `const t` and the trace helpers, and nothing else', () => {
    const source = [
      'export function f(ctx: C): void {',
      '  const t = ctx.trace;',
      '  a();',
      '  if (t !== null) t.layerEntered(1, 2);',
      '  if (t !== null) {',
      '    t.x();',
      '    t.y();',
      '  }',
      '  if (ctx.trace !== null) ctx.rejectedBy[i] = r;',
      '  if (ok) b();',
      '}',
      '',
      '/** Tracer hook. */',
      'function traceThing(t: Tracer): void {',
      '  t.z();',
      '}',
    ].join('\n');
    const { text, removed } = stripHooks(source);
    expect(text).toBe(['export function f(ctx: C): void {', '  a();', '  if (ok) b();', '}', '', '/** Tracer hook. */'].join('\n'));
    expect(removed).toBe(7);
  });

  it('refuses a hook of another form, which would be timed on both sides', () => {
    expect(() => stripHooks('  if (x && t !== null) t.nodeVisited(1);')).toThrow(/not of the form/);
    expect(() => stripHooks('  ctx.trace?.nodeVisited(1);')).toThrow(/not of the form/);
  });

  it('strips every hook of the algorithms as they are', () => {
    let removed = 0;
    for (const file of readdirSync(ALGORITHMS).filter((f) => f.endsWith('.ts') && f !== 'tracer.ts' && f !== 'context.ts')) {
      removed += stripHooks(readFileSync(new URL(file, ALGORITHMS), 'utf8')).removed;
    }
    expect(removed).toBeGreaterThan(20);
  });
});
