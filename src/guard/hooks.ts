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
}

/**
 * Run a hook through /bin/sh with the victim in the environment (names and command lines
 * reach it as variables only, never in the command text). As root, its program must be
 * root-owned and writable by no one else (checkRootCommand). It is killed (with its
 * process group) after timeoutMs; its output goes to the guard's stderr so it cannot
 * corrupt --json on stdout.
 */
export function runHook(cmd: string, env: Record<string, string>, timeoutMs: number, procRoot = '/proc'): Promise<HookResult> {
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
        stdio: ['ignore', 2, 2],
        detached: true,
      });
    } catch (e) {
      resolve({ code: null, timedOut: false, error: (e as Error).message });
      return;
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      const st = child.pid ? readStat(procRoot, child.pid) : null;
      if (st) signalProcess({ pid: st.pid, startTimeTicks: st.startTimeTicks, name: 'hook' }, 'SIGKILL', { procRoot, group: true });
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, timedOut, error: e.message });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, error: null });
    });
  });
}
