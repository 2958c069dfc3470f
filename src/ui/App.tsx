import React, { useEffect, useRef } from 'react';
import { Box, Text, useStdin } from 'ink';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { Commands } from '../tui/commands.js';
import type { AppConfig } from '../config.js';
import { matchesFilter } from '../store/rows.js';
import type { OomtopState } from '../store/store.js';
import { CgroupView, cgroupRows } from './CgroupView.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { detailScrollMax, EventDetail } from './EventDetail.js';
import { EventLog } from './EventLog.js';
import { footerLines } from './Footer.js';
import { Header, type Modes } from './Header.js';
import { HelpScreen, helpScrollMax } from './HelpScreen.js';
import { chunkOf, describeRefused, parseKeys, reduceKey, type Effect, type GuardModeName, type KeyContext } from './keys.js';
import { Lines } from './Lines.js';
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
export function layout(rows: number, footer = 1): { table: number; log: number } {
  const usable = rows - 1 - HEADER_ROWS - footer; // Ink's last line, header, footer
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
  /** The guard's mode, for the header and for `g` (arming asks first). */
  guardMode?: () => GuardModeName;
  /** The `g` key: cycle the guard off / dry-run / armed. */
  onGuard?: () => void;
}

/**
 * The guard line's details: "guard: ARMED (system: …); handlers: 2" → "(system: …)" and 2
 * (GuardLink.headerLine; the handlers' count follows the parentheses when there are any).
 */
export function guardDetail(line: string | null): { detail: string | null; handlers: number } {
  const m = line === null ? null : /\((.*)\)(?:; handlers: (\d+))?\s*$/.exec(line);
  return { detail: m ? `(${m[1]})` : null, handlers: m?.[2] !== undefined ? Number(m[2]) : 0 };
}

export function App({ store, commands, config, theme, onQuit, guardLine, guardMode, onGuard }: AppProps): React.ReactElement {
  const state = useStore(store);
  const { columns, rows } = useTerminalSize();
  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
  // No clock of its own: every sample re-renders, so "now" is fresh enough, and a timer
  // would draw a second frame per second.
  const now = Date.now();
  const width = columns;
  // An error's fix may take more than three lines where the screen has room for it.
  const footer = footerLines({ view: state.view, status: state.status, readOnly: config.readOnly, matches: state.rows.length, width, theme, now, maxLines: Math.max(1, Math.min(6, rows - 12)) });
  const { table, log } = layout(rows, footer.length);
  const bodyHeight = table + log;
  const presets = `presets: step ${config.adjStep}, protect ${config.protectAdj}, expendable ${config.expendableAdj}, kill grace ${config.killGraceMs / 1000} s, escalation ${config.killEscalation}${config.readOnly ? ', read-only' : ''}`;
  useEffect(() => {
    if (state.view.pageSize !== table - 1) state.setView({ pageSize: table - 1 });
  }, [table]);

  // The key handler is registered once: it reads the screen's current size from here.
  const dims = useRef({ width, bodyHeight, presets });
  dims.current = { width, bodyHeight, presets };

  const context = (): KeyContext => {
    const s = store.getState();
    const { width: w, bodyHeight: h, presets: p } = dims.current;
    return {
      view: s.view,
      eventCount: s.events.length,
      cgroupCount: s.view.screen === 'cgroups' ? cgroupRows(s.snapshot).length : 0,
      helpMax: s.view.screen === 'help' ? helpScrollMax(w, h, p) : 0,
      detailMax: s.view.screen === 'event' ? detailScrollMax(s.events, s.view.eventIndex, w, h) : 0,
      processMax: s.view.screen === 'process' ? processScrollMax(s, w, h) : 0,
      textPage: Math.max(1, h - 2),
      readOnly: config.readOnly,
      adj: { step: config.adjStep, protect: config.protectAdj, expendable: config.expendableAdj },
      guard: onGuard ? (guardMode?.() ?? 'off') : null,
      selectedUser: s.selectedRow()?.user ?? null,
    };
  };

  /** F3: select the next row matching the text (from the selection; F3 again: after it). */
  const search = (text: string, next: boolean): void => {
    const s = store.getState();
    if (text === '') return;
    const rows = s.rows;
    const cur = Math.max(0, rows.findIndex((r) => r.key === s.view.selectedKey));
    for (let n = next ? 1 : 0; n < rows.length + (next ? 1 : 0); n++) {
      const r = rows[(cur + n) % rows.length]!;
      if (matchesFilter(r, text)) return s.setView({ selectedKey: r.key, selectionMovedAt: null });
    }
    s.setStatus(`search: no process matches "${text}"`, 'warn');
  };

  /** Carry out what a key asked for; false once the app is quitting. */
  const perform = (e: Effect, refused: { key: string; what: string }[]): boolean => {
    const s = store.getState();
    const page = Math.max(1, s.view.pageSize);
    switch (e.do) {
      case 'quit': onQuit(); return false;
      case 'move': s.moveSelection(e.by === Infinity ? page : e.by === -Infinity ? -page : e.by); break;
      case 'cycleSort': s.cycleSort(); break;
      case 'adjust': commands.adjust(e.req, e.targets); break;
      case 'askNeverKill': commands.askNeverKill(); break;
      case 'askSaveRule': commands.askSaveRule(); break;
      case 'saveRule': commands.saveRule(e.offer, e.rule, e.dropIn); break;
      case 'openKillDialog': commands.openKillDialog(); break;
      case 'kill': void commands.kill(e.targets, e.signal); break;
      case 'escalate': void commands.escalate(e.target); break;
      case 'leftRunning': s.log('action', 'warn', `left PID ${e.target.pid} (${e.target.name}) running after SIGTERM`); break;
      case 'showPendingEscalation': commands.showPendingEscalation(); break;
      case 'toggleTag': s.toggleTag(); break;
      case 'cycleGuard': onGuard?.(); break;
      case 'search': search(e.text, e.next); break;
      case 'showCgroup': {
        const c = cgroupRows(s.snapshot)[e.index];
        if (c) {
          s.setView({ screen: 'main', cgroupFilter: c.memory.path });
          s.setStatus(`showing the processes of ${c.label} (Esc shows all again)`);
        }
        break;
      }
      case 'click': {
        // The table's first row is below the header and the column titles.
        const i = s.view.scroll + (e.y - 1 - HEADER_ROWS - 1);
        if (e.y > HEADER_ROWS + 1 && e.y - HEADER_ROWS - 1 <= s.view.pageSize && i < s.rows.length) s.setView({ selectedKey: s.rows[i]!.key, selectionMovedAt: null });
        break;
      }
      case 'status': s.setStatus(e.text, e.severity); break;
      case 'refused': refused.push(e); break;
    }
    return true;
  };

  /** One chunk of input: every key in it, in order, each on the state the previous one left. */
  const onChunk = (data: string): void => {
    const keys = parseKeys(data);
    const chunk = chunkOf(keys);
    const refused: { key: string; what: string }[] = [];
    for (const key of keys) {
      const r = reduceKey(context(), key, chunk);
      if (r.view) store.getState().setView(r.view);
      for (const e of r.effects) if (!perform(e, refused)) return;
    }
    if (refused.length > 0) store.getState().setStatus(describeRefused(refused, chunk), 'warn');
  };
  const onChunkRef = useRef(onChunk);
  onChunkRef.current = onChunk;

  const { internal_eventEmitter: emitter, setRawMode, isRawModeSupported } = useStdin() as ReturnType<typeof useStdin> & { internal_eventEmitter?: NodeJS.EventEmitter };
  useEffect(() => {
    if (!isRawModeSupported) return;
    setRawMode(true);
    return () => setRawMode(false);
  }, [isRawModeSupported, setRawMode]);
  useEffect(() => {
    if (!emitter) return;
    // Ink hands one read of the terminal over as several events (text, then each escape
    // sequence), synchronously: gather them back into the chunk they came in.
    let pending: string[] = [];
    const flush = () => {
      const data = pending.join('');
      pending = [];
      onChunkRef.current(data);
    };
    const onInput = (data: unknown) => {
      if (pending.length === 0) queueMicrotask(flush);
      pending.push(String(data));
    };
    emitter.on('input', onInput);
    return () => {
      emitter.off('input', onInput);
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

  const body = (() => {
    const d = state.view.dialog;
    const h = bodyHeight;
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
    if (d?.kind === 'save-rule') {
      const o = d.offer;
      return (
        <ConfirmDialog
          title={`Save PID ${o.target.pid} (${o.target.name})'s oom_score_adj ${o.target.oomScoreAdj} as a rule?`}
          body={[o.notes[0]!, ...o.block.trimEnd().split('\n').map((l) => `  ${l}`), ...o.notes.slice(1)]}
          answers={o.dropIn ? 'y / Enter: the rule   d: the drop-in   b: both   n / Esc: nothing' : 'y / Enter: append the rule    n / Esc: no'}
          width={width}
          height={h}
          theme={theme}
        />
      );
    }
    if (d?.kind === 'arm-guard') {
      const { detail } = guardDetail(guardLine?.() ?? null);
      return (
        <ConfirmDialog
          title="Arm the guard?"
          body={[
            'Armed, the guard signals processes on its own (SIGTERM, then SIGKILL) when memory runs low, before the kernel OOM killer does.',
            ...(detail ? [`Thresholds: ${detail.slice(1, -1)}`] : []),
            'Dry-run (now) only says what it would do.',
          ]}
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
      return <HelpScreen width={width} height={h} scroll={state.view.helpScroll} theme={theme} presets={presets} />;
    }
    if (state.view.screen === 'cgroups') {
      return <CgroupView snapshot={state.snapshot} index={state.view.cgroupIndex} width={width} height={h} theme={theme} etas={state.forecast.cgroups} />;
    }
    if (state.view.screen === 'process') {
      const row = detailRow(state);
      return <ProcessDetail model={row ? processDetail(row, state.snapshot, state.history, undefined, state.recorded) : null} scroll={state.view.processScroll} width={width} height={h} theme={theme} />;
    }
    if (state.view.screen === 'event') {
      return <EventDetail events={state.events} index={state.view.eventIndex} scroll={state.view.detailScroll} width={width} height={h} theme={theme} />;
    }
    return (
      <>
        <ProcessTable rows={state.rows} view={state.view} width={width} height={table} theme={theme} treePrefix={state.treePrefix} />
        <EventLog events={state.events} width={width} height={log} scroll={state.view.logScroll} theme={theme} />
      </>
    );
  })();

  const line = guardLine?.() ?? null;
  const selected = state.rows.findIndex((r) => r.key === state.view.selectedKey);
  const v = state.view;
  const modes: Modes = {
    paused: v.paused,
    readOnly: config.readOnly,
    sort: v.sort,
    inverted: v.inverted,
    filter: v.filter,
    cgroupFilter: v.cgroupFilter,
    tagged: v.tagged.size,
    position: { index: selected + 1, rows: state.rows.length, total: state.snapshot?.processes.length ?? 0 },
    guard: onGuard ? { mode: guardMode?.() ?? 'off', ...guardDetail(line) } : null,
  };
  return (
    <Box flexDirection="column" width={width}>
      <Header
        snapshot={state.snapshot}
        psiSome={state.system.psiSome}
        pressureLevel={state.pressureLevel}
        lastOomKill={state.lastOomKill}
        kernelLog={state.kernelLog}
        modes={modes}
        width={width}
        theme={theme}
        now={now}
        systemEta={state.forecast.system?.etaSeconds ?? null}
        etaWarnS={config.etaWarnS}
      />
      {body}
      <Lines lines={footer} width={width} />
    </Box>
  );
}

/** The process the detail pane shows: still a row, or still in the snapshot (it keeps its key if it exits). */
function detailRow(s: OomtopState) {
  const key = s.view.detailKey;
  return s.rows.find((r) => r.key === key) ?? s.snapshot?.processes.find((p) => p.key === key) ?? null;
}

/** The last first line of the process detail pane at this size (its title takes a line). */
function processScrollMax(s: OomtopState, width: number, height: number): number {
  const row = detailRow(s);
  const lines = row ? processDetailLines(processDetail(row, s.snapshot, s.history, undefined, s.recorded), width).length : 0;
  return Math.max(0, lines - (height - 1));
}
