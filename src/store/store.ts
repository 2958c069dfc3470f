import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Snapshot } from '../sampler/types.js';
import type { PressureLevel } from '../sampler/pressure.js';
import { DETECT_START, detectEvents } from './detect.js';
import { ProcessHistories, pushSeries, type Series } from './history.js';
import { LOG_LIMIT, type LogEntry, type LogKind, type LogSeverity } from './events.js';
import { buildRows, fillGrowth, SORT_KEYS, treeRows, type Row, type SortKey } from './rows.js';
import { Forecaster, NO_FORECAST, type Forecast } from './forecast.js';

export type Screen = 'main' | 'help' | 'event' | 'cgroups' | 'process';

export interface Target {
  pid: number;
  startTimeTicks: number;
  name: string;
  oomScoreAdj: number | null;
}

export type Dialog =
  | { kind: 'kill'; targets: Target[]; signalIndex: number }
  | { kind: 'never-kill'; targets: Target[] }
  | { kind: 'escalate'; target: Target; afterMs: number }
  /** `g` from dry-run to armed: the guard will signal processes on its own. */
  | { kind: 'arm-guard' }
  /** `R`: save the selected process's adj as a rule (and, for a service, a drop-in). */
  | { kind: 'save-rule'; offer: SaveRuleOffer };

/** What `R` would write, shown before it is written (src/tui/save-rule.ts builds it). */
export interface SaveRuleOffer {
  target: Target;
  /** The rules file, its text when the offer was made (null: missing) and the text after. */
  path: string;
  before: string | null;
  after: string;
  /** The rule's name and its [[rule]] block as appended. */
  name: string;
  block: string;
  /** Lines the dialog shows below the rule (why cmdline, a rule above that wins, systemd). */
  notes: string[];
  /** The drop-in offered for the process's service; null when none is offered. */
  dropIn: { unit: string; adj: number; path: string; text: string } | null;
}

export interface ViewState {
  sort: SortKey;
  inverted: boolean;
  /** The filter in force. */
  filter: string;
  /** Text being typed after '/', or null when not editing. */
  filterDraft: string | null;
  /** The selected process (pid:starttime): the selection follows the process, not the row index. */
  selectedKey: string | null;
  tagged: ReadonlySet<string>;
  paused: boolean;
  screen: Screen;
  dialog: Dialog | null;
  /** Rows the table can show; set by the UI from the terminal size. */
  pageSize: number;
  /** First row shown. */
  scroll: number;
  /** The event selected in the event view. */
  eventIndex: number;
  /** Show only the processes of this memory cgroup (and below); null for all. */
  cgroupFilter: string | null;
  /** The row selected in the cgroup view. */
  cgroupIndex: number;
  /** When the selected process exited and the selection slid to a neighbour (epoch ms). */
  selectionMovedAt: number | null;
  /** Tree view: processes under their parents. */
  tree: boolean;
  /** The process detail pane: which process (its key, kept if it exits) and the first line shown. */
  detailKey: string | null;
  processScroll: number;
  /** Text being typed after F3 (search: moves the selection, filters nothing), or null. */
  search: string | null;
  /** First line shown of the help screen. */
  helpScroll: number;
  /** First line shown of the selected event's details. */
  detailScroll: number;
  /** Events hidden below the main screen's event log (0: the newest are shown). */
  logScroll: number;
}

export interface StatusLine {
  text: string;
  severity: LogSeverity;
  time: number;
}

export interface OomtopState {
  snapshot: Snapshot | null;
  rows: Row[];
  /** Per-process histories: live processes, and a bounded graveyard for the flight recorder. */
  history: ProcessHistories;
  system: { availableKiB: Series; psiSome: Series; psiFull: Series };
  pressureLevel: PressureLevel;
  events: LogEntry[];
  status: StatusLine | null;
  view: ViewState;
  /** Tree view: the prefix drawn before each process's name; null in the flat view. */
  treePrefix: ReadonlyMap<string, string> | null;
  /** Set by the kernel-log follower: where kernel messages come from, or why not. */
  kernelLog: { source: string; message: string | null } | null;
  lastOomKill: { time: number; name: string; cgroup: string | null } | null;
  /** Live leak suspects and times to exhaustion (src/store/forecast.ts), every few seconds. */
  forecast: Forecast;
  /**
   * With --history: the recorded RSS of the process in the detail pane (its long history, read
   * back from the file the monitor records into); null otherwise.
   */
  recorded: RecordedRss | null;

  applySnapshot(snap: Snapshot): void;
  log(kind: LogKind, severity: LogSeverity, text: string, extra?: Partial<LogEntry>): LogEntry;
  setStatus(text: string, severity?: LogSeverity): void;
  setView(patch: Partial<ViewState>): void;
  /** Rebuild the rows from the current snapshot (after its samples changed in place). */
  refreshRows(): void;
  setSort(sort: SortKey): void;
  cycleSort(): void;
  moveSelection(delta: number | 'home' | 'end'): void;
  toggleTag(): void;
  selectedRow(): Row | null;
  /** The tagged processes that still run, or else the selected one. */
  targets(): Target[];
  setRecorded(r: RecordedRss | null): void;
}

/** A process's recorded RSS (process key, times in epoch ms, KiB), and when it was read. */
export interface RecordedRss {
  key: string;
  times: number[];
  rssKiB: number[];
  readAt: number;
}

/** A process charged this much (‰ of RAM+swap) is kept longer after it exits. */
const NOTABLE_PERMILLE = 10;

/** `etaWarnS`: an ETA under it logs a warning event (--eta-warn; default 15 min, 0: never). */
export function createOomtopStore(initial: Partial<ViewState> = {}, opts: { etaWarnS?: number } = {}): StoreApi<OomtopState> {
  let detectState = DETECT_START;
  let nextId = 1;
  const forecaster = new Forecaster(undefined, opts.etaWarnS);

  return createStore<OomtopState>()((set, get) => {
    const refreshRows = (view: ViewState, snap = get().snapshot, fromSample = false): Partial<OomtopState> => {
      let rows = buildRows(snap, get().history, view.sort, view.inverted, view.filter, view.cgroupFilter);
      let treePrefix: Map<string, string> | null = null;
      if (view.tree && snap) ({ rows, prefix: treePrefix } = treeRows(rows, snap.processes));
      let selectedKey = view.selectedKey;
      let selectionMovedAt = view.selectionMovedAt;
      let idx = selectedKey === null ? -1 : rows.findIndex((r) => r.key === selectedKey);
      if (idx < 0) {
        if (fromSample && selectedKey !== null) selectionMovedAt = Date.now();
        // The selected process is gone or filtered out: keep the position, not the process.
        const prev = get().rows.findIndex((r) => r.key === selectedKey);
        idx = rows.length === 0 ? -1 : Math.min(Math.max(prev, 0), rows.length - 1);
        selectedKey = idx >= 0 ? rows[idx]!.key : null;
      }
      let scroll = view.scroll;
      const page = Math.max(1, view.pageSize);
      if (idx >= 0) {
        if (idx < scroll) scroll = idx;
        if (idx >= scroll + page) scroll = idx - page + 1;
      }
      scroll = Math.max(0, Math.min(scroll, Math.max(0, rows.length - page)));
      if (view.sort !== 'growth') fillGrowth(rows.slice(scroll, scroll + page), get().history);
      const tagged = view.tagged.size === 0 ? view.tagged : new Set([...view.tagged].filter((k) => get().history.has(k)));
      return { rows, treePrefix, view: { ...view, selectedKey, scroll, tagged, selectionMovedAt } };
    };

    return {
      snapshot: null,
      rows: [],
      history: new ProcessHistories(),
      system: {
        availableKiB: { times: [], values: [] },
        psiSome: { times: [], values: [] },
        psiFull: { times: [], values: [] },
      },
      pressureLevel: 'normal',
      events: [],
      status: null,
      treePrefix: null,
      kernelLog: null,
      lastOomKill: null,
      forecast: NO_FORECAST,
      recorded: null,
      view: {
        sort: 'risk',
        inverted: false,
        filter: '',
        filterDraft: null,
        selectedKey: null,
        tagged: new Set(),
        paused: false,
        screen: 'main',
        dialog: null,
        pageSize: 20,
        scroll: 0,
        eventIndex: 0,
        cgroupFilter: null,
        cgroupIndex: 0,
        selectionMovedAt: null,
        tree: false,
        detailKey: null,
        processScroll: 0,
        search: null,
        helpScroll: 0,
        detailScroll: 0,
        logScroll: 0,
        ...initial,
      },

      applySnapshot(snap) {
        const state = get();
        if (state.view.paused) return;
        const { history, system } = state;
        for (const p of snap.processes) {
          history.observe(p, snap.time, p.nextVictim || p.cgroupVictim || (p.badnessPermille ?? 0) >= NOTABLE_PERMILLE);
        }
        history.retire(snap.time);
        const found = detectEvents({
          prev: state.snapshot,
          next: snap,
          state: detectState,
          kernelLogReadable: state.kernelLog?.source !== 'none',
          crossedOf: (key) => history.crossed(key),
        });
        detectState = found.state;
        for (const [key, t] of found.crossed) history.markCrossed(key, t);
        for (const e of found.events) get().log(e.kind, e.severity, e.text);
        if (found.counterKill !== null) set({ lastOomKill: { time: snap.time, name: 'unknown (counter)', cgroup: null } });
        const mem = snap.system.memory;
        if (mem) pushSeries(system.availableKiB, snap.time, mem.availableKiB);
        const psi = snap.system.pressure;
        if (psi) {
          pushSeries(system.psiSome, snap.time, psi.some.avg10);
          pushSeries(system.psiFull, snap.time, psi.full?.avg10 ?? 0);
        }
        for (const w of forecaster.observe(snap, history)) get().log('risk', 'warn', w);
        const { forecast } = forecaster;
        // Samples live on between ticks: the verdict is set when it is recomputed, and kept until then.
        if (forecast.at === snap.time) for (const p of snap.processes) p.leakKiBps = forecast.leaks.get(p.key)?.floorSlope ?? null;
        const level = found.pressureLevel;
        set({ snapshot: snap, pressureLevel: level, forecast, ...refreshRows(get().view, snap, true) });
      },

      log(kind, severity, text, extra = {}) {
        const entry: LogEntry = { id: nextId++, time: Date.now(), kind, severity, text, ...extra };
        const events = [...get().events, entry];
        if (events.length > LOG_LIMIT) events.splice(0, events.length - LOG_LIMIT);
        set({ events });
        return entry;
      },

      setStatus(text, severity = 'info') {
        set({ status: { text, severity, time: Date.now() } });
      },

      setView(patch) {
        const view = { ...get().view, ...patch };
        const rowsChanged = 'sort' in patch || 'inverted' in patch || 'filter' in patch || 'cgroupFilter' in patch || 'tree' in patch;
        if (rowsChanged || 'selectedKey' in patch || 'pageSize' in patch || 'scroll' in patch) set(refreshRows(view));
        else set({ view });
      },

      refreshRows() {
        set(refreshRows(get().view));
      },

      setSort(sort) {
        get().setView({ sort });
      },

      cycleSort() {
        const i = SORT_KEYS.indexOf(get().view.sort);
        get().setView({ sort: SORT_KEYS[(i + 1) % SORT_KEYS.length]! });
      },

      moveSelection(delta) {
        const { rows, view } = get();
        if (rows.length === 0) return;
        const cur = Math.max(0, rows.findIndex((r) => r.key === view.selectedKey));
        const idx =
          delta === 'home' ? 0 : delta === 'end' ? rows.length - 1 : Math.max(0, Math.min(rows.length - 1, cur + delta));
        get().setView({ selectedKey: rows[idx]!.key, selectionMovedAt: null });
      },

      toggleTag() {
        const { view } = get();
        const key = view.selectedKey;
        if (key === null) return;
        const tagged = new Set(view.tagged);
        if (tagged.has(key)) tagged.delete(key);
        else tagged.add(key);
        set({ view: { ...view, tagged } });
        get().moveSelection(1);
      },

      selectedRow() {
        const { rows, view } = get();
        return rows.find((r) => r.key === view.selectedKey) ?? null;
      },

      targets() {
        const { rows, view } = get();
        const toTarget = (r: Row): Target => ({ pid: r.pid, startTimeTicks: r.startTimeTicks, name: r.name, oomScoreAdj: r.oomScoreAdj });
        if (view.tagged.size > 0) return rows.filter((r) => view.tagged.has(r.key)).map(toTarget);
        const sel = get().selectedRow();
        return sel ? [toTarget(sel)] : [];
      },

      setRecorded(recorded) {
        set({ recorded });
      },
    };
  });
}
