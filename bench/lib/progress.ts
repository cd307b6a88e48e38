/** A one-line progress bar on stderr (redrawn in place on a terminal, every 25 % otherwise). */
export class Progress {
  private done = 0;
  private lastPrinted = -1;
  private readonly started = Date.now();
  private readonly tty = !!process.stderr.isTTY;

  constructor(private readonly label: string, private total: number) {
    this.render();
  }

  tick(n = 1, note = ''): void {
    this.done = Math.min(this.total, this.done + n);
    this.render(note);
  }

  setTotal(total: number): void {
    this.total = total;
    this.render();
  }

  finish(note = ''): void {
    this.done = this.total;
    this.render(note, true);
    if (this.tty) process.stderr.write('\n');
  }

  private render(note = '', force = false): void {
    const ratio = this.total ? this.done / this.total : 1;
    const width = 30;
    const filled = Math.round(ratio * width);
    const secs = ((Date.now() - this.started) / 1000).toFixed(0);
    const text = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${secs}s ${note}`;
    if (this.tty) {
      process.stderr.write(`\r${text.slice(0, (process.stderr.columns ?? 120) - 1).padEnd(Math.min(119, (process.stderr.columns ?? 120) - 1))}`);
      return;
    }
    const quarter = Math.floor(ratio * 4);
    if (quarter !== this.lastPrinted || (force && this.lastPrinted !== 4)) {
      this.lastPrinted = quarter;
      process.stderr.write(`${text}\n`);
    }
  }
}
