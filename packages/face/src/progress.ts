// Progress of a long embedding run on stderr: a redrawn bar on a terminal,
// a line every tenth of the way (and at the end) when stderr is a file or pipe.

/** One step of a run over photos. */
export interface ProgressEvent {
  /** Photos handled so far, including this one. */
  done: number;
  /** Photos in the run. */
  total: number;
  /** The photo just handled. */
  path: string;
  /** What happened to this photo (a `FileStatus` of the database, or `PhotoStatus`). */
  status: string;
  /** Milliseconds since the run started. */
  elapsedMs: number;
}

/** A callback, `true` for the stderr bar, `false` for silence. */
export type ProgressOption = boolean | ((event: ProgressEvent) => void);

const BAR_WIDTH = 24;

/** Resolves a `ProgressOption` into a callback (or undefined for silence). */
export function progressReporter(option: ProgressOption | undefined, label: string): ((event: ProgressEvent) => void) | undefined {
  if (option === false) return undefined;
  if (typeof option === 'function') return option;
  const stream = process.stderr;
  const tty = stream.isTTY === true;
  let nextTenth = 1;
  return (event) => {
    const { done, total, elapsedMs } = event;
    const perPhoto = done > 0 ? elapsedMs / done : 0;
    const eta = Math.max(0, (total - done) * perPhoto / 1000);
    const summary = `${label} ${done}/${total}  ${(perPhoto / 1000).toFixed(2)} s/photo  eta ${eta.toFixed(0)} s`;
    if (tty) {
      const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
      const name = event.path.length > 30 ? '…' + event.path.slice(-29) : event.path;
      stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${summary}  ${name}\x1b[K`);
      if (done === total) stream.write('\n');
    } else if (done === total || done * 10 >= nextTenth * total) {
      while (done * 10 >= nextTenth * total && nextTenth <= 10) nextTenth++;
      stream.write(`${summary}\n`);
    }
  };
}
