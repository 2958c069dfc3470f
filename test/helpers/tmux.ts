import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { sleep } from './wait.js';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/**
 * A detached tmux session running one command, for driving the real TUI. Each session has
 * its own tmux server (-L): killing the last session of a shared server makes it exit,
 * and a test starting its session at that moment fails with "server exited unexpectedly".
 */
export class TmuxSession {
  readonly name = `oomtop-test-${randomBytes(4).toString('hex')}`;
  private readonly socket = ['-L', this.name];

  constructor(command: string, cols = 120, rows = 40, env: Record<string, string> = {}) {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    execFileSync('tmux', [...this.socket, 'new-session', '-d', '-s', this.name, '-x', String(cols), '-y', String(rows), ...envArgs, command]);
  }

  capture(escapes = false): string {
    return execFileSync('tmux', [...this.socket, 'capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.name], { encoding: 'utf8' });
  }

  /** Send keys one at a time, as a person types them. */
  async keys(...keys: string[]): Promise<void> {
    for (const k of keys) {
      execFileSync('tmux', [...this.socket, 'send-keys', '-t', this.name, k]);
      await sleep(150);
    }
  }

  /** Send text in one write, as a paste or keys typed faster than the link carries them. */
  async type(text: string): Promise<void> {
    execFileSync('tmux', [...this.socket, 'send-keys', '-l', '-t', this.name, text]);
    await sleep(150);
  }

  display(format: string): string {
    return execFileSync('tmux', [...this.socket, 'display-message', '-p', '-t', this.name, format], { encoding: 'utf8' }).trim();
  }

  resize(cols: number, rows: number): void {
    execFileSync('tmux', [...this.socket, 'resize-window', '-t', this.name, '-x', String(cols), '-y', String(rows)]);
  }

  async waitFor(pred: (screen: string) => boolean, timeoutMs = 10_000, what = 'screen'): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.capture();
      if (pred(screen)) return screen;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}; screen was:\n${screen}`);
  }

  kill(): void {
    spawnSync('tmux', [...this.socket, 'kill-server']);
  }
}

export { sleep, until } from './wait.js';
