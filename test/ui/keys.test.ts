import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createOomtopStore, type ViewState } from '../../src/store/store.js';
import { ALONE, chunkOf, describeRefused, parseKeys, reduceKey, type Effect, type KeyContext } from '../../src/ui/keys.js';

const baseView = (): ViewState => createOomtopStore().getState().view;

function ctx(view: Partial<ViewState> = {}, more: Partial<KeyContext> = {}): KeyContext {
  return {
    view: { ...baseView(), ...view },
    eventCount: 10,
    cgroupCount: 3,
    helpMax: 20,
    detailMax: 5,
    processMax: 5,
    textPage: 8,
    readOnly: false,
    adj: { step: 100, protect: -500, expendable: 500 },
    guard: 'off',
    selectedUser: 'postgres',
    ...more,
  };
}
const does = (effects: Effect[]) => effects.map((e) => e.do);
const target = { pid: 10, startTimeTicks: 5, name: 'a', oomScoreAdj: 0 };

describe('parseKeys', () => {
  it('splits a chunk into keys: characters, control bytes, escape sequences', () => {
    expect(parseKeys(']]')).toEqual([']', ']']);
    expect(parseKeys('ab\u007fc\r')).toEqual(['a', 'b', 'Backspace', 'c', 'Enter']);
    expect(parseKeys('\b\t\u0003\u0015')).toEqual(['Backspace', 'Tab', 'C-c', 'C-u']);
    expect(parseKeys('\u001b[A\u001bOB\u001b[5~\u001b[6~\u001b[H\u001b[4~\u001b[3~')).toEqual(['Up', 'Down', 'PgUp', 'PgDn', 'Home', 'End', 'Delete']);
    expect(parseKeys('\u001b')).toEqual(['Esc']);
    expect(parseKeys('é😀')).toEqual(['é', '😀']);
  });

  it('names the function keys of xterm, VT220 and the linux console, modifiers dropped', () => {
    expect(parseKeys('\u001bOP\u001b[11~\u001b[[A')).toEqual(['F1', 'F1', 'F1']);
    expect(parseKeys('\u001bOR\u001bOS\u001b[15~\u001b[17~\u001b[18~\u001b[19~\u001b[20~\u001b[21~')).toEqual(['F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10']);
    expect(parseKeys('\u001b[1;2A\u001b[5;5~\u001b[1;2P')).toEqual(['Up', 'PgUp', 'F1']);
  });

  it('reads SGR mouse reports, and never turns an unknown sequence or Alt+key into a letter', () => {
    expect(parseKeys('\u001b[<0;12;7M\u001b[<0;12;7m\u001b[<64;1;1M\u001b[<65;1;1M')).toEqual(['Click:12:7', 'Mouse', 'WheelUp', 'WheelDown']);
    expect(parseKeys('\u001bk\u001b[99X')).toEqual(['Unknown', 'Unknown']);
  });

  it('never yields a control character as a key (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 24 }), (s) => parseKeys(s).every((k) => !/[\u0000-\u001f\u007f-\u009f]/.test(k))),
    );
  });
});

describe('reduceKey: the main screen', () => {
  it('maps htop function keys: F1 help, F3 search, F4 filter, F5 tree, F6 sort, F7/F8 adj, F9 kill, F10 quit', () => {
    expect(reduceKey(ctx(), 'F1').view).toMatchObject({ screen: 'help', helpScroll: 0 });
    expect(reduceKey(ctx(), 'F3').view).toEqual({ search: '' });
    expect(reduceKey(ctx({ filter: 'ngi' }), 'F4').view).toEqual({ filterDraft: 'ngi' });
    expect(reduceKey(ctx(), 'F5').view).toEqual({ tree: true });
    expect(reduceKey(ctx(), 't').view).toEqual({ tree: true });
    expect(does(reduceKey(ctx(), 'F6').effects)).toEqual(['cycleSort']);
    expect(reduceKey(ctx(), 'F7').effects).toEqual([{ do: 'adjust', req: { delta: -100 } }]);
    expect(reduceKey(ctx(), 'F8').effects).toEqual([{ do: 'adjust', req: { delta: 100 } }]);
    expect(does(reduceKey(ctx(), 'F9').effects)).toEqual(['openKillDialog']);
    expect(does(reduceKey(ctx(), 'F10').effects)).toEqual(['quit']);
  });

  it('uses the configured presets for p, x, ] and [', () => {
    const c = ctx({}, { adj: { step: 50, protect: -300, expendable: 800 } });
    expect(reduceKey(c, 'p').effects).toEqual([{ do: 'adjust', req: { set: -300 } }]);
    expect(reduceKey(c, 'x').effects).toEqual([{ do: 'adjust', req: { set: 800 } }]);
    expect(reduceKey(c, ']').effects).toEqual([{ do: 'adjust', req: { delta: 50 } }]);
    expect(reduceKey(c, '[').effects).toEqual([{ do: 'adjust', req: { delta: -50 } }]);
    expect(reduceKey(c, '0').effects).toEqual([{ do: 'adjust', req: { set: 0 } }]);
  });

  it('Esc clears a kept filter and a cgroup filter; with none it does nothing', () => {
    const r = reduceKey(ctx({ filter: 'nginx', cgroupFilter: '/docker' }), 'Esc');
    expect(r.view).toEqual({ filter: '', cgroupFilter: null });
    expect(does(r.effects)).toEqual(['status']);
    expect(reduceKey(ctx(), 'Esc')).toEqual({ view: null, effects: [] });
  });

  it('pauses and resumes, saying so', () => {
    expect(reduceKey(ctx(), 'Z').view).toEqual({ paused: true });
    expect(reduceKey(ctx({ paused: true }), 'Z').view).toEqual({ paused: false });
  });

  it('u filters by the selected process\'s user, keeping the text; u again shows every user', () => {
    expect(reduceKey(ctx({ filter: 'post' }), 'u').view).toEqual({ filter: 'user:postgres post' });
    expect(reduceKey(ctx({ filter: 'user:postgres post' }), 'u').view).toEqual({ filter: 'post' });
    expect(reduceKey(ctx({ filter: 'user:postgres' }), 'u').view).toEqual({ filter: '' });
    expect(reduceKey(ctx({}, { selectedUser: null }), 'u').effects).toEqual([{ do: 'status', text: 'no process selected', severity: 'warn' }]);
  });

  it('U untags all', () => {
    const r = reduceKey(ctx({ tagged: new Set(['1:1', '2:2']) }), 'U');
    expect(r.view!.tagged!.size).toBe(0);
    expect(r.effects[0]).toMatchObject({ do: 'status', text: 'untagged 2 processes' });
    expect(reduceKey(ctx(), 'U').view).toBeNull();
  });

  it('g arms the guard only through a question; off → dry-run is direct; unavailable or read-only says why', () => {
    expect(does(reduceKey(ctx({}, { guard: 'off' }), 'g').effects)).toEqual(['cycleGuard']);
    expect(reduceKey(ctx({}, { guard: 'dry-run' }), 'g')).toEqual({ view: { dialog: { kind: 'arm-guard' } }, effects: [] });
    expect(does(reduceKey(ctx({}, { guard: 'armed' }), 'g').effects)).toEqual(['cycleGuard']);
    expect(reduceKey(ctx({}, { guard: null }), 'g').effects[0]).toMatchObject({ do: 'status', severity: 'warn' });
    expect(reduceKey(ctx({}, { readOnly: true }), 'g').effects[0]).toMatchObject({ text: '--read-only: the guard cannot be armed' });
  });

  it('k in --read-only says killing is disabled instead of opening the dialog', () => {
    expect(reduceKey(ctx({}, { readOnly: true }), 'k').effects).toEqual([{ do: 'status', text: '--read-only: killing is disabled', severity: 'warn' }]);
  });

  it('{ and } scroll the event log within its events', () => {
    expect(reduceKey(ctx(), '{').view).toEqual({ logScroll: 1 });
    expect(reduceKey(ctx({ logScroll: 9 }), '{').view).toEqual({ logScroll: 9 });
    expect(reduceKey(ctx({ logScroll: 0 }), '}').view).toEqual({ logScroll: 0 });
  });
});

describe('reduceKey: the mouse', () => {
  it('a click on the main screen is a click effect; the wheel moves; elsewhere mouse reports do nothing', () => {
    expect(reduceKey(ctx(), 'Click:12:7').effects).toEqual([{ do: 'click', x: 12, y: 7 }]);
    expect(reduceKey(ctx(), 'WheelDown').effects).toEqual([{ do: 'move', by: 3 }]);
    expect(reduceKey(ctx({ screen: 'help' }), 'Click:1:1')).toEqual({ view: null, effects: [] });
    expect(reduceKey(ctx({ screen: 'help' }), 'Mouse')).toEqual({ view: null, effects: [] });
    expect(reduceKey(ctx({ screen: 'help', helpScroll: 0 }), 'WheelDown').view).toEqual({ helpScroll: 8 });
  });
});

describe('reduceKey: keys that arrive together', () => {
  it('applies a repeated action key once per press (]] is two steps)', () => {
    const chunk = chunkOf(parseKeys(']]'));
    expect(chunk).toEqual({ size: 2, repeat: true });
    expect(reduceKey(ctx(), ']', chunk).effects).toEqual([{ do: 'adjust', req: { delta: 100 } }]);
  });

  it('refuses action keys mixed with other keys (a paste), and says which and why', () => {
    const keys = parseKeys('xkP');
    const chunk = chunkOf(keys);
    const refused = keys.map((k) => reduceKey(ctx(), k, chunk).effects[0]!);
    expect(refused.every((e) => e.do === 'refused')).toBe(true);
    const text = describeRefused(refused as { key: string; what: string }[], chunk);
    expect(text).toBe('ignored x k P: a key that changes a process must be pressed on its own, and they came in one chunk of 3 keys (a paste?)');
  });

  it('applies navigation and view keys in any chunk', () => {
    const chunk = chunkOf(parseKeys('jjs'));
    expect(reduceKey(ctx(), 'j', chunk).effects).toEqual([{ do: 'move', by: 1 }]);
    expect(does(reduceKey(ctx(), 's', chunk).effects)).toEqual(['cycleSort']);
  });

  it('never confirms a dialog with a key that came with others', () => {
    const chunk = chunkOf(parseKeys('k\r'));
    const kill = ctx({ dialog: { kind: 'kill', targets: [target], signalIndex: 0 } });
    expect(does(reduceKey(kill, 'Enter', chunk).effects)).toEqual(['refused']);
    const never = ctx({ dialog: { kind: 'never-kill', targets: [target] } });
    expect(does(reduceKey(never, 'y', chunkOf(['y', 'y'])).effects)).toEqual(['refused']);
    // Cancelling is always fine.
    expect(reduceKey(never, 'Esc', chunkOf(['Esc', 'x'])).view).toEqual({ dialog: null });
  });
});

describe('reduceKey: the filter, live', () => {
  it('filters as you type, handles Backspace, C-w and C-u, keeps on Enter, clears on Esc', () => {
    let view: Partial<ViewState> = { filterDraft: '' };
    for (const k of parseKeys('ngx\u007finx')) {
      const r = reduceKey(ctx(view), k);
      view = { ...view, ...r.view };
    }
    expect(view).toMatchObject({ filterDraft: 'nginx', filter: 'nginx' });
    expect(reduceKey(ctx(view), 'C-w').view).toEqual({ filterDraft: '', filter: '' });
    expect(reduceKey(ctx({ filterDraft: 'a b' }), 'C-u').view).toEqual({ filterDraft: '', filter: '' });
    expect(reduceKey(ctx({ filterDraft: 'é😀' }), 'Backspace').view).toEqual({ filterDraft: 'é', filter: 'é' });
    expect(reduceKey(ctx(view), 'Enter').view).toEqual({ filterDraft: null });
    expect(reduceKey(ctx(view), 'Esc').view).toEqual({ filter: '', filterDraft: null });
  });

  it('types letters that are commands elsewhere (k, q, x) as text; arrows still move', () => {
    for (const k of ['k', 'q', 'x', 'P', '/']) expect(reduceKey(ctx({ filterDraft: '' }), k).view).toEqual({ filterDraft: k, filter: k });
    expect(reduceKey(ctx({ filterDraft: '' }), 'Down').effects).toEqual([{ do: 'move', by: 1 }]);
    expect(reduceKey(ctx({ filterDraft: 'a' }), 'F5')).toEqual({ view: null, effects: [] });
  });

  it('Ctrl-C quits from anywhere', () => {
    expect(does(reduceKey(ctx({ filterDraft: 'x' }), 'C-c').effects)).toEqual(['quit']);
    expect(does(reduceKey(ctx({ screen: 'help' }), 'C-c').effects)).toEqual(['quit']);
  });
});

describe('reduceKey: search (F3)', () => {
  it('searches as you type, F3 finds the next, Enter or Esc ends', () => {
    expect(reduceKey(ctx({ search: 'ng' }), 'i')).toEqual({ view: { search: 'ngi' }, effects: [{ do: 'search', text: 'ngi', next: false }] });
    expect(reduceKey(ctx({ search: 'ngi' }), 'F3').effects).toEqual([{ do: 'search', text: 'ngi', next: true }]);
    expect(reduceKey(ctx({ search: 'ngi' }), 'Enter').view).toEqual({ search: null });
    expect(reduceKey(ctx({ search: 'ngi' }), 'Esc').view).toEqual({ search: null });
  });
});

describe('reduceKey: dialogs', () => {
  it('kill dialog: arrows choose the signal, Enter sends it, Esc cancels; both then ask pending questions', () => {
    const d = ctx({ dialog: { kind: 'kill', targets: [target], signalIndex: 0 } });
    expect(reduceKey(d, 'Down').view).toEqual({ dialog: { kind: 'kill', targets: [target], signalIndex: 1 } });
    expect(reduceKey(d, 'Up').view).toEqual({ dialog: { kind: 'kill', targets: [target], signalIndex: 0 } });
    expect(reduceKey(d, 'Enter')).toEqual({ view: { dialog: null }, effects: [{ do: 'kill', targets: [target], signal: 'SIGTERM' }, { do: 'showPendingEscalation' }] });
    expect(reduceKey(d, 'Esc')).toEqual({ view: { dialog: null }, effects: [{ do: 'showPendingEscalation' }] });
    expect(reduceKey(d, 'x')).toEqual({ view: null, effects: [] });
  });

  it('never-kill, escalate and arm-guard: y or Enter yes, n or Esc no', () => {
    const never = ctx({ dialog: { kind: 'never-kill', targets: [target] } });
    expect(reduceKey(never, 'y').effects[0]).toEqual({ do: 'adjust', req: { set: -1000 }, targets: [target] });
    const esc = ctx({ dialog: { kind: 'escalate', target, afterMs: 5000 } });
    expect(reduceKey(esc, 'Enter').effects[0]).toEqual({ do: 'escalate', target });
    expect(reduceKey(esc, 'n').effects[0]).toEqual({ do: 'leftRunning', target });
    const arm = ctx({ dialog: { kind: 'arm-guard' } });
    expect(reduceKey(arm, 'y').effects[0]).toEqual({ do: 'cycleGuard' });
    expect(reduceKey(arm, 'Esc').effects[0]).toMatchObject({ do: 'status', text: 'the guard stays in dry-run' });
    expect(reduceKey(arm, 'g')).toEqual({ view: null, effects: [] });
  });
});

describe('reduceKey: help, events and cgroups', () => {
  it('help scrolls with arrows, PgUp/PgDn, Home/End, within its length; any other key returns', () => {
    const h = (helpScroll: number) => ctx({ screen: 'help', helpScroll });
    expect(reduceKey(h(0), 'Down').view).toEqual({ helpScroll: 1 });
    expect(reduceKey(h(0), 'Up').view).toEqual({ helpScroll: 0 });
    expect(reduceKey(h(0), 'PgDn').view).toEqual({ helpScroll: 8 });
    expect(reduceKey(h(15), 'PgDn').view).toEqual({ helpScroll: 20 });
    expect(reduceKey(h(15), 'End').view).toEqual({ helpScroll: 20 });
    expect(reduceKey(h(15), 'Home').view).toEqual({ helpScroll: 0 });
    expect(reduceKey(h(3), 'x').view).toEqual({ screen: 'main', helpScroll: 0 });
    expect(reduceKey(h(3), 'F1').view).toEqual({ screen: 'main', helpScroll: 0 });
  });

  it('event details: ↑/↓ choose, Home/End first/last, PgUp/PgDn scroll the details, e or Esc return', () => {
    const e = (eventIndex: number, detailScroll = 0) => ctx({ screen: 'event', eventIndex, detailScroll });
    expect(reduceKey(e(5, 3), 'Up').view).toEqual({ eventIndex: 4, detailScroll: 0 });
    expect(reduceKey(e(9), 'Down').view).toEqual({ eventIndex: 9, detailScroll: 0 });
    expect(reduceKey(e(5), 'Home').view).toEqual({ eventIndex: 0, detailScroll: 0 });
    expect(reduceKey(e(5), 'End').view).toEqual({ eventIndex: 9, detailScroll: 0 });
    expect(reduceKey(e(5, 0), 'PgDn').view).toEqual({ detailScroll: 5 });
    expect(reduceKey(e(5, 5), 'PgUp').view).toEqual({ detailScroll: 0 });
    expect(reduceKey(e(5), 'e').view).toEqual({ screen: 'main' });
  });

  it('cgroups: ↑/↓ choose, Enter shows its processes, Esc returns and clears the cgroup filter', () => {
    const c = ctx({ screen: 'cgroups', cgroupIndex: 1, cgroupFilter: '/a' });
    expect(reduceKey(c, 'Down').view).toEqual({ cgroupIndex: 2 });
    expect(reduceKey({ ...c, view: { ...c.view, cgroupIndex: 2 } }, 'Down').view).toEqual({ cgroupIndex: 2 });
    expect(reduceKey(c, 'Enter').effects).toEqual([{ do: 'showCgroup', index: 1 }]);
    expect(reduceKey(c, 'Esc').view).toEqual({ screen: 'main', cgroupFilter: null });
    expect(reduceKey(c, 'c').view).toEqual({ screen: 'main' });
  });

  it('is total: any key on any screen gives a result, and never a process action from a dialog-less paste (property)', () => {
    const screens = ['main', 'help', 'event', 'cgroups'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...screens), fc.string({ unit: 'binary', maxLength: 12 }), (screen, s) => {
        const keys = parseKeys(s);
        const chunk = chunkOf(keys);
        for (const k of keys) {
          const r = reduceKey(ctx({ screen }), k, chunk);
          if (chunk.size > 1 && !chunk.repeat) expect(does(r.effects).filter((d) => d === 'adjust' || d === 'openKillDialog' || d === 'askNeverKill' || d === 'cycleGuard')).toEqual([]);
        }
      }),
    );
    expect(ALONE).toEqual({ size: 1, repeat: true });
  });
});

describe('the process detail pane and the tree view', () => {
  it('Enter opens the selected process in the detail pane (nothing without a selection); Esc, Enter or q return', () => {
    expect(reduceKey(ctx({ selectedKey: '10:5' }), 'Enter').view).toEqual({ screen: 'process', detailKey: '10:5', processScroll: 0 });
    expect(reduceKey(ctx({ selectedKey: null }), 'Enter')).toEqual({ view: null, effects: [] });
    for (const k of ['Esc', 'Enter', 'q']) expect(reduceKey(ctx({ screen: 'process', detailKey: '10:5' }), k).view).toEqual({ screen: 'main' });
  });

  it('scrolls the detail pane within its length, and no key there acts on a process', () => {
    const on = (processScroll: number) => ctx({ screen: 'process', detailKey: '10:5', processScroll });
    expect(reduceKey(on(0), 'Down').view).toEqual({ processScroll: 1 });
    expect(reduceKey(on(5), 'Down').view).toEqual({ processScroll: 5 });
    expect(reduceKey(on(3), 'Home').view).toEqual({ processScroll: 0 });
    expect(reduceKey(on(0), 'End').view).toEqual({ processScroll: 5 });
    for (const k of [']', 'k', 'P', 'x', 'F9']) expect(reduceKey(on(0), k).effects).toEqual([]);
  });

  it('t and F5 toggle the tree view and say so', () => {
    const r = reduceKey(ctx({ tree: true }), 't');
    expect(r.view).toEqual({ tree: false });
    expect(does(r.effects)).toEqual(['status']);
  });
});


describe('reduceKey: R saves the adj as a rule', () => {
  const offer = (dropIn: boolean) => ({
    target: { ...target, oomScoreAdj: 300 },
    path: '/tmp/r.toml',
    before: null,
    after: 'x',
    name: 'a adj 300',
    block: '[[rule]]\n',
    notes: [],
    dropIn: dropIn ? { unit: 'a.service', adj: 300, path: '/etc/systemd/system/a.service.d/50-oomtop.conf', text: '[Service]\n' } : null,
  });

  it('R asks (the dialog is built outside the reducer); not with --read-only, not from a paste', () => {
    expect(reduceKey(ctx(), 'R')).toEqual({ view: null, effects: [{ do: 'askSaveRule' }] });
    expect(reduceKey(ctx({}, { readOnly: true }), 'R').effects).toEqual([{ do: 'status', text: '--read-only: rules are not saved', severity: 'warn' }]);
    expect(does(reduceKey(ctx(), 'R', chunkOf(['x', 'R'])).effects)).toEqual(['refused']);
    // Not from the detail pane or help.
    expect(reduceKey(ctx({ screen: 'process', detailKey: '10:5' }), 'R').effects).toEqual([]);
  });

  it('y or Enter appends the rule; n or Esc saves nothing; d and b mean nothing without a service', () => {
    const o = offer(false);
    const d = ctx({ dialog: { kind: 'save-rule', offer: o } });
    for (const k of ['y', 'Enter']) expect(reduceKey(d, k)).toEqual({ view: { dialog: null }, effects: [{ do: 'saveRule', offer: o, rule: true, dropIn: false }, { do: 'showPendingEscalation' }] });
    for (const k of ['n', 'Esc']) expect(reduceKey(d, k).effects[0]).toEqual({ do: 'status', text: 'nothing saved', severity: 'info' });
    for (const k of ['d', 'b', 'x', 'R']) expect(reduceKey(d, k)).toEqual({ view: null, effects: [] });
  });

  it('for a service: d writes the drop-in only, b both', () => {
    const o = offer(true);
    const d = ctx({ dialog: { kind: 'save-rule', offer: o } });
    expect(reduceKey(d, 'd').effects[0]).toEqual({ do: 'saveRule', offer: o, rule: false, dropIn: true });
    expect(reduceKey(d, 'b').effects[0]).toEqual({ do: 'saveRule', offer: o, rule: true, dropIn: true });
    expect(reduceKey(d, 'y').effects[0]).toEqual({ do: 'saveRule', offer: o, rule: true, dropIn: false });
  });

  it('an answer that came with other keys (a paste) writes nothing', () => {
    const d = ctx({ dialog: { kind: 'save-rule', offer: offer(true) } });
    for (const k of ['y', 'b', 'd']) expect(does(reduceKey(d, k, chunkOf(['R', k])).effects)).toEqual(['refused']);
  });
});
