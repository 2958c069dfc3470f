import React, { useEffect } from 'react';
import { Box, Text, useInput, useStdin } from 'ink';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { Commands } from '../tui/commands.js';
import { KILL_SIGNALS, type AppConfig } from '../config.js';
import type { OomtopState } from '../store/store.js';
import { CgroupView, cgroupRows } from './CgroupView.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { EventDetail } from './EventDetail.js';
import { EventLog } from './EventLog.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { HelpScreen } from './HelpScreen.js';
import { commandFor, commandForRaw, type Command, type KeyInfo } from './keymap.js';
import { KillDialog } from './KillDialog.js';
import { ProcessTable } from './ProcessTable.js';
import { ProcessDetail, processDetailLines } from './ProcessDetail.js';
import { processDetail } from '../store/detail.js';
import type { Theme } from './theme.js';
import { useTerminalSize } from './useTerminalSize.js';

export const MIN_COLUMNS = 30;
export const MIN_ROWS = 8;
const HEADER_ROWS = 4;

/** How the screen splits: Ink must never draw as many lines as the terminal has. */
export function layout(rows: number): { table: number; log: number } {
  const usable = rows - 1 - HEADER_ROWS - 1; // Ink's last line, header, footer
  const log = rows >= 40 ? 10 : rows >= 30 ? 7 : rows >= 20 ? 5 : rows >= 14 ? 3 : 0;
  return { table: Math.max(2, usable - log), log };
}

export interface AppProps {
  store: StoreApi<OomtopState>;
  commands: Commands;
  config: AppConfig;
  theme: Theme;
  onQuit(): void;
  guardLine?: () => string | null;
  /** The `g` key: cycle the guard off / dry-run / armed. */
  onGuard?: () => void;
}

export function App({ store, commands, config, theme, onQuit, guardLine, onGuard }: AppProps): React.ReactElement {
  const state = useStore(store);
  const { columns, rows } = useTerminalSize();
  const { table, log } = layout(rows);
  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
  // No clock of its own: every sample re-renders, so "now" is fresh enough, and a timer
  // would draw a second frame per second.
  const now = Date.now();
  useEffect(() => {
    if (state.view.pageSize !== table - 1) state.setView({ pageSize: table - 1 });
  }, [table]);

  const run = (cmd: Command): void => {
    const s = store.getState();
    const page = Math.max(1, s.view.pageSize);
    switch (cmd) {
      case 'quit': return onQuit();
      case 'help': return s.setView({ screen: 'help' });
      case 'up': return s.moveSelection(-1);
      case 'down': return s.moveSelection(1);
      case 'pageUp': return s.moveSelection(-page);
      case 'pageDown': return s.moveSelection(page);
      case 'home': return s.moveSelection('home');
      case 'end': return s.moveSelection('end');
      case 'filter': return s.setView({ filterDraft: s.view.filter });
      case 'sort': return s.cycleSort();
      case 'invert': return s.setView({ inverted: !s.view.inverted });
      case 'pause': {
        const paused = !s.view.paused;
        s.setView({ paused });
        return s.setStatus(paused ? 'paused: the table is frozen (Z resumes)' : 'resumed');
      }
      case 'adjUp': return commands.adjust({ delta: config.adjStep });
      case 'adjDown': return commands.adjust({ delta: -config.adjStep });
      case 'adjReset': return commands.adjust({ set: 0 });
      case 'protect': return commands.adjust({ set: config.protectAdj });
      case 'expendable': return commands.adjust({ set: config.expendableAdj });
      case 'neverKill': return commands.askNeverKill();
      case 'kill': return commands.openKillDialog();
      case 'tag': return s.toggleTag();
      case 'events': return s.setView({ screen: 'event', eventIndex: Math.max(0, s.events.length - 1) });
      case 'cgroups': return s.setView({ screen: 'cgroups' });
      // Process details and the tree view (Enter, t).
      case 'details': return s.view.selectedKey ? s.setView({ screen: 'process', detailKey: s.view.selectedKey, detailScroll: 0 }) : undefined;
      case 'tree': {
        const tree = !s.view.tree;
        s.setView({ tree });
        return s.setStatus(tree ? 'tree view: processes under their parents (t: flat)' : 'flat view');
      }
      case 'guard':
        if (!onGuard) return s.setStatus('the guard is not available here', 'warn');
        if (config.readOnly) return s.setStatus('--read-only: the guard cannot be armed', 'warn');
        return onGuard();
    }
  };

  const onKey = (input: string, key: KeyInfo & { backspace?: boolean; delete?: boolean; meta?: boolean }): void => {
    const s = store.getState();
    const v = s.view;
    if (key.ctrl && input === 'c') return onQuit();
    if (v.filterDraft !== null) {
      if (key.return) return s.setView({ filter: v.filterDraft, filterDraft: null });
      if (key.escape) return s.setView({ filter: '', filterDraft: null });
      if (key.backspace || key.delete) return s.setView({ filterDraft: v.filterDraft.slice(0, -1) });
      if (input && !key.ctrl && !key.meta) {
        // A paste (or fast typing over SSH) arrives as one chunk: Enter inside it commits.
        const nl = input.search(/[\r\n]/);
        if (nl >= 0) return s.setView({ filter: v.filterDraft + input.slice(0, nl), filterDraft: null });
        return s.setView({ filterDraft: v.filterDraft + input });
      }
      return;
    }
    const d = v.dialog;
    if (d) {
      if (d.kind === 'kill') {
        if (key.upArrow) return s.setView({ dialog: { ...d, signalIndex: Math.max(0, d.signalIndex - 1) } });
        if (key.downArrow) return s.setView({ dialog: { ...d, signalIndex: Math.min(KILL_SIGNALS.length - 1, d.signalIndex + 1) } });
        if (key.return) {
          s.setView({ dialog: null });
          void commands.kill(d.targets, KILL_SIGNALS[d.signalIndex]!);
          commands.showPendingEscalation();
          return;
        }
        if (key.escape || input === 'q') {
          s.setView({ dialog: null });
          commands.showPendingEscalation();
        }
        return;
      }
      const yes = input === 'y' || input === 'Y' || key.return;
      const no = input === 'n' || input === 'N' || key.escape || input === 'q';
      if (yes) {
        s.setView({ dialog: null });
        if (d.kind === 'never-kill') commands.adjust({ set: -1000 }, d.targets);
        else void commands.escalate(d.target);
      } else if (no) {
        s.setView({ dialog: null });
        if (d.kind === 'escalate') s.log('action', 'warn', `left PID ${d.target.pid} (${d.target.name}) running after SIGTERM`);
      }
      if (yes || no) commands.showPendingEscalation();
      return;
    }
    if (v.screen === 'help') return s.setView({ screen: 'main' });
    if (v.screen === 'cgroups') {
      const list = cgroupRows(s.snapshot);
      if (key.upArrow) return s.setView({ cgroupIndex: Math.max(0, v.cgroupIndex - 1) });
      if (key.downArrow) return s.setView({ cgroupIndex: Math.min(list.length - 1, v.cgroupIndex + 1) });
      if (key.return) {
        const c = list[Math.max(0, Math.min(v.cgroupIndex, list.length - 1))];
        if (c) {
          s.setView({ screen: 'main', cgroupFilter: c.memory.path });
          s.setStatus(`showing the processes of ${c.label} (c then Esc shows all again)`);
        }
        return;
      }
      if (key.escape || input === 'c' || input === 'q') {
        s.setView({ screen: 'main', ...(key.escape && v.cgroupFilter ? { cgroupFilter: null } : {}) });
        return;
      }
      return;
    }
    if (v.screen === 'process') {
      const page = Math.max(1, v.pageSize);
      const row = s.rows.find((r) => r.key === v.detailKey) ?? s.snapshot?.processes.find((p) => p.key === v.detailKey);
      const lines = row ? processDetailLines(processDetail(row, s.snapshot, s.history), columns).length : 0;
      const last = Math.max(0, lines - (table + log - 1));
      const to = (n: number) => s.setView({ detailScroll: Math.max(0, Math.min(last, n)) });
      if (key.upArrow) return to(v.detailScroll - 1);
      if (key.downArrow) return to(v.detailScroll + 1);
      if (key.pageUp) return to(v.detailScroll - page);
      if (key.pageDown) return to(v.detailScroll + page);
      if (key.home) return to(0);
      if (key.end) return to(last);
      if (key.escape || key.return || input === 'q') return s.setView({ screen: 'main' });
      return;
    }
    if (v.screen === 'event') {
      if (key.upArrow) return s.setView({ eventIndex: Math.max(0, v.eventIndex - 1) });
      if (key.downArrow) return s.setView({ eventIndex: Math.min(s.events.length - 1, v.eventIndex + 1) });
      if (key.escape || input === 'e' || input === 'q') return s.setView({ screen: 'main' });
      return;
    }
    if (input.length > 1 && !key.ctrl) {
      // Several characters in one chunk is a paste: never a string of actions. Only "/text"
      // is honoured, as a filter (committed when the chunk holds Enter).
      if (input.startsWith('/')) {
        const text = input.slice(1);
        const nl = text.search(/[\r\n]/);
        if (nl >= 0) return s.setView({ filter: text.slice(0, nl), filterDraft: null });
        return s.setView({ filterDraft: text });
      }
      return;
    }
    const cmd = commandFor(key);
    if (cmd) run(cmd);
  };

  useInput((input, key) => onKey(input, { ...key, input }));
  const { internal_eventEmitter: emitter } = useStdin() as ReturnType<typeof useStdin> & { internal_eventEmitter?: NodeJS.EventEmitter };
  useEffect(() => {
    if (!emitter) return;
    const onRaw = (data: string) => {
      const cmd = commandForRaw(String(data));
      const s = store.getState();
      if (cmd === null || s.view.filterDraft !== null) return;
      if (s.view.dialog || s.view.screen !== 'main') {
        if (cmd === 'quit') onQuit();
        return;
      }
      run(cmd);
    };
    emitter.on('input', onRaw);
    return () => {
      emitter.off('input', onRaw);
    };
  }, [emitter]);

  if (tooSmall) {
    return (
      <Box flexDirection="column">
        <Text wrap="truncate">{`too small: ${columns}×${rows}`}</Text>
        <Text wrap="truncate">{`need ${MIN_COLUMNS}×${MIN_ROWS}`}</Text>
        <Text wrap="truncate">q quits</Text>
      </Box>
    );
  }

  const width = columns;
  const body = (() => {
    const d = state.view.dialog;
    const h = table + log;
    if (d?.kind === 'kill') {
      return <KillDialog targets={d.targets} signalIndex={d.signalIndex} graceMs={config.killGraceMs} escalation={config.killEscalation} width={width} height={h} theme={theme} />;
    }
    if (d?.kind === 'never-kill') {
      return (
        <ConfirmDialog
          title={`Never kill ${d.targets.map((t) => `PID ${t.pid} (${t.name})`).join(', ')}?`}
          body={['Sets oom_score_adj to -1000: the kernel will not pick it even if the machine runs out of memory.', 'Lowering below the floor needs CAP_SYS_RESOURCE.']}
          width={width}
          height={h}
          theme={theme}
        />
      );
    }
    if (d?.kind === 'escalate') {
      return (
        <ConfirmDialog
          title={`PID ${d.target.pid} (${d.target.name}) is still alive ${(d.afterMs / 1000).toFixed(1)} s after SIGTERM. Send SIGKILL?`}
          body={['SIGKILL cannot be caught: the process ends without cleaning up.']}
          width={width}
          height={h}
          theme={theme}
        />
      );
    }
    if (state.view.screen === 'help') {
      return <HelpScreen width={width} height={h} theme={theme} presets={`presets: step ${config.adjStep}, protect ${config.protectAdj}, expendable ${config.expendableAdj}, kill grace ${config.killGraceMs / 1000} s, escalation ${config.killEscalation}${config.readOnly ? ', read-only' : ''}`} />;
    }
    if (state.view.screen === 'cgroups') {
      return <CgroupView snapshot={state.snapshot} index={state.view.cgroupIndex} width={width} height={h} theme={theme} />;
    }
    if (state.view.screen === 'process') {
      const key = state.view.detailKey;
      const row = state.rows.find((r) => r.key === key) ?? state.snapshot?.processes.find((p) => p.key === key) ?? null;
      return (
        <Box flexDirection="column" height={h}>
          <ProcessDetail model={row ? processDetail(row, state.snapshot, state.history) : null} scroll={state.view.detailScroll} width={width} height={h} theme={theme} />
        </Box>
      );
    }
    if (state.view.screen === 'event') {
      return <EventDetail events={state.events} index={state.view.eventIndex} width={width} height={h} theme={theme} />;
    }
    return (
      <>
        <ProcessTable rows={state.rows} view={state.view} width={width} height={table} theme={theme} treePrefix={state.treePrefix} />
        <EventLog events={state.events} width={width} height={log} theme={theme} />
      </>
    );
  })();

  return (
    <Box flexDirection="column" width={width}>
      <Header
        snapshot={state.snapshot}
        psiSome={state.system.psiSome}
        pressureLevel={state.pressureLevel}
        lastOomKill={state.lastOomKill}
        kernelLog={state.kernelLog}
        guardLine={guardLine?.() ?? null}
        width={width}
        theme={theme}
        now={now}
      />
      {body}
      <Footer view={state.view} status={state.status} readOnly={config.readOnly} width={width} theme={theme} now={now} />
    </Box>
  );
}
