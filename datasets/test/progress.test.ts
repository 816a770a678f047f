// The CLIs' one progress bar (datasets/src/progress.ts, also used by bench):
// a line per tenth when stderr is a file or pipe, a bar redrawn in place on a
// terminal, nothing when disabled.

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../src/progress.js';

/** A stream that keeps what is written, posing as a terminal or not. */
function capture(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY });
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

describe('ProgressBar', () => {
  it('writes one line per tenth of the way when not on a terminal', async () => {
    const out = capture(false);
    const bar = new ProgressBar({ label: 'synth', unit: 'vectors', stream: out.stream });
    for (let done = 0; done <= 1000; done += 50) bar.update(done, 1000);
    bar.finish();
    await new Promise((resolve) => setImmediate(resolve));
    const lines = out.text().trim().split('\n');
    expect(lines.map((line) => line.replace(/, [\d.]+s\)$/, ')'))).toEqual(
      Array.from({ length: 11 }, (_, i) => `synth: ${i * 10}% (${i * 100}/1000 vectors)`),
    );
  });

  it('redraws one line on a terminal, always draws the end, and ends the line on finish', async () => {
    const out = capture(true);
    const bar = new ProgressBar({ label: 'gt', unit: 'queries', stream: out.stream });
    bar.update(1, 4);
    bar.update(4, 4);
    bar.finish();
    await new Promise((resolve) => setImmediate(resolve));
    const text = out.text();
    expect(text.startsWith('\rgt [')).toBe(true);
    expect(text).toContain('] 100% 4/4 queries');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
  });

  it('draws nothing when disabled (--quiet)', async () => {
    const out = capture(true);
    const bar = new ProgressBar({ label: 'x', enabled: false, stream: out.stream });
    bar.update(1, 2);
    bar.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text()).toBe('');
  });
});
