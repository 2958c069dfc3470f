import { writeSync } from 'node:fs';

// With mouse reports (clicks, SGR coordinates) on, as htop has them; Shift+drag still selects text.
const ENTER_ALT = '\u001b[?1049h\u001b[H\u001b[?1000h\u001b[?1006h';
const LEAVE_ALT = '\u001b[?1006l\u001b[?1000l\u001b[?25h\u001b[?1049l';

/**
 * The alternate screen (Ink 6 does not switch to it by itself), left again on every way
 * out: normal quit, an error, a signal, or process exit. Writes synchronously so nothing
 * is lost when the process is going down.
 */
export class AltScreen {
  private active = false;
  constructor(private readonly fd = 1) {}

  enter(): void {
    if (this.active) return;
    this.active = true;
    writeSync(this.fd, ENTER_ALT);
    process.once('exit', this.leave);
  }

  readonly leave = (): void => {
    if (!this.active) return;
    this.active = false;
    try {
      writeSync(this.fd, LEAVE_ALT);
    } catch {
      /* the terminal is gone */
    }
  };
}
