// The progress bar of the CLIs (`pnpm datasets`, and `pnpm bench` through this
// package): redrawn in place on a terminal, a line every 10% otherwise (logs,
// CI), silent when disabled. stdout stays clean for --json.

/** Options of a ProgressBar. */
export interface ProgressOptions {
  /** Shown before the bar. */
  label: string;
  /** Units of `total` ('vectors', 'queries'). */
  unit?: string;
  /** false: draw nothing (default true). */
  enabled?: boolean;
  /** Where to draw (default process.stderr). */
  stream?: NodeJS.WriteStream;
}

const WIDTH = 30;

/** A throttled text progress bar. */
export class ProgressBar {
  private readonly label: string;
  private readonly unit: string;
  private readonly enabled: boolean;
  private readonly stream: NodeJS.WriteStream;
  private readonly start = performance.now();
  private lastDraw = 0;
  private lastDecile = -1;

  constructor(options: ProgressOptions) {
    this.label = options.label;
    this.unit = options.unit ?? '';
    this.enabled = options.enabled ?? true;
    this.stream = options.stream ?? process.stderr;
  }

  /** Reports `done` of `total`; draws at most ten times a second. */
  update(done: number, total: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    if (this.stream.isTTY) {
      if (now - this.lastDraw < 100 && done < total) return;
      this.lastDraw = now;
      const filled = Math.round(fraction * WIDTH);
      const seconds = (now - this.start) / 1000;
      const rate = seconds > 0 ? Math.round(done / seconds) : 0;
      this.stream.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
        `${done}/${total} ${this.unit} ${seconds.toFixed(1)}s ${rate}/s\x1b[K`);
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile === this.lastDecile) return;
      this.lastDecile = decile;
      this.stream.write(`${this.label}: ${decile * 10}% (${done}/${total} ${this.unit}, ${((now - this.start) / 1000).toFixed(1)}s)\n`);
    }
  }

  /** Ends the bar's line. */
  finish(): void {
    if (this.enabled && this.stream.isTTY) this.stream.write('\n');
  }
}
