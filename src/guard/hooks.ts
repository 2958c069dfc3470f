import { spawn } from 'node:child_process';
import { signalProcess } from '../actions/index.js';
import { checkRootCommand } from '../actions/trust.js';
import { readStat } from '../proc/process.js';
import type { GuardSignal, ScopeSample, Victim } from './types.js';
import { pct } from './level.js';

export interface HookContext {
  victim: Victim;
  signal: GuardSignal;
  scope: string;
  sample: ScopeSample;
  dryRun: boolean;
}

export function hookEnv(phase: 'pre-kill' | 'post-kill', c: HookContext): Record<string, string> {
  const s = c.sample;
  return {
    OOMTOP_HOOK: phase,
    OOMTOP_PID: String(c.victim.pid),
    OOMTOP_NAME: c.victim.name,
    OOMTOP_CMDLINE: c.victim.cmdline,
    OOMTOP_SIGNAL: c.signal,
    OOMTOP_SCOPE: c.scope,
    OOMTOP_VICTIM_RSS_KIB: String(Math.round(c.victim.rssKiB)),
    OOMTOP_AVAILABLE_KIB: String(Math.round(s.availableKiB)),
    OOMTOP_TOTAL_KIB: String(Math.round(s.totalKiB)),
    OOMTOP_AVAILABLE_PCT: pct(s.availableKiB, s.totalKiB).toFixed(1),
    OOMTOP_SWAP_FREE_KIB: String(Math.round(s.swapFreeKiB)),
    OOMTOP_SWAP_TOTAL_KIB: String(Math.round(s.swapTotalKiB)),
    OOMTOP_DRY_RUN: c.dryRun ? '1' : '0',
  };
}

export interface HookResult {
  code: number | null;
  timedOut: boolean;
  error: string | null;
  /** With capture: the first line of its output (stdout and stderr), at most FIRST_LINE_MAX characters. */
  firstLine?: string;
}

const FIRST_LINE_MAX = 200;

/**
 * Run a hook through /bin/sh with the victim in the environment (names and command lines
 * reach it as variables only, never in the command text). As root, its program must be
 * root-owned and writable by no one else (checkRootCommand). It is killed (with its
 * process group) after timeoutMs; its output goes to the guard's stderr so it cannot
 * corrupt --json on stdout, or with capture (level handlers) is read for its first line
 * and otherwise dropped (nothing reaches the TUI's screen).
 */
export function runHook(
  cmd: string,
  env: Record<string, string>,
  timeoutMs: number,
  procRoot = '/proc',
  opts: { capture?: boolean } = {},
): Promise<HookResult> {
  return new Promise((resolve) => {
    // Checked on every run, as sudo does: the program may have been swapped since the start.
    const trust = checkRootCommand(cmd, 'hook');
    if (!trust.ok) {
      resolve({ code: null, timedOut: false, error: trust.message });
      return;
    }
    let child;
    try {
      child = spawn('/bin/sh', ['-c', cmd], {
        env: { ...process.env, ...env },
        stdio: opts.capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 2, 2],
        detached: true,
      });
    } catch (e) {
      resolve({ code: null, timedOut: false, error: (e as Error).message });
      return;
    }
    let out = '';
    let lineDone = false;
    const take = (d: Buffer) => {
      if (lineDone) return;
      out += d.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl >= 0 || out.length >= FIRST_LINE_MAX) {
        out = out.slice(0, nl >= 0 ? Math.min(nl, FIRST_LINE_MAX) : FIRST_LINE_MAX);
        lineDone = true;
      }
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    const captured = (): Partial<HookResult> => (opts.capture ? { firstLine: out.replace(/\r$/, '') } : {});
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      const st = child.pid ? readStat(procRoot, child.pid) : null;
      if (st) signalProcess({ pid: st.pid, startTimeTicks: st.startTimeTicks, name: 'hook' }, 'SIGKILL', { procRoot, group: true });
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, timedOut, error: e.message, ...captured() });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!opts.capture) return resolve({ code, timedOut, error: null });
      // Its output may still be in the pipe: read on until it closes, or briefly when a
      // process it left behind holds the pipe open.
      const finish = () => {
        clearTimeout(grace);
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({ code, timedOut, error: null, ...captured() });
      };
      const grace = setTimeout(finish, 200);
      child.on('close', finish);
    });
  });
}
