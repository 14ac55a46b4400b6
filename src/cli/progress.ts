/**
 * @fileoverview A one-line progress bar on stderr for large runs: `[#####.....] 120/2000 files`, redrawn in
 * place, throttled, and cleared at the end. Messages printed while it is shown go through `log`, which clears the
 * line first and redraws the bar after, so the bar never ends up glued to an error message.
 */

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Only interactive terminals get a bar, and only for runs long enough to need one. */
export const PROGRESS_MIN_FILES = 50;

export function progressWanted(stream: OutputStream, total: number, disabled: boolean): boolean {
  return !disabled && stream.isTTY === true && total > PROGRESS_MIN_FILES;
}

const WIDTH = 30;
const INTERVAL_MS = 80;

export class Progress {
  private done = 0;
  private shown = false;
  private lastDraw = 0;

  constructor(
    private readonly stream: OutputStream,
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}

  /** Advances by one file; redraws at most every INTERVAL_MS (and always at the last file). */
  tick(): void {
    this.done++;
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < INTERVAL_MS && this.done < this.total) return;
    this.lastDraw = now;
    this.draw();
  }

  /** Prints a full line on the stream without garbling the bar. */
  log(line: string): void {
    if (this.shown) this.clear();
    this.stream.write(line.endsWith('\n') ? line : `${line}\n`);
    if (this.enabled && this.done > 0) this.draw();
  }

  /** Takes the bar off the screen until the next tick draws it again (before output on another stream). */
  suspend(): void {
    if (this.shown) this.clear();
    this.lastDraw = 0;
  }

  /** Removes the bar, leaving the cursor at the start of an empty line. */
  finish(): void {
    if (this.shown) this.clear();
  }

  static render(done: number, total: number, width = WIDTH): string {
    const filled = total === 0 ? width : Math.min(width, Math.floor((done / total) * width));
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} files`;
  }

  private draw(): void {
    this.stream.write(`\r${Progress.render(this.done, this.total)}\x1b[K`);
    this.shown = true;
  }

  private clear(): void {
    this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
