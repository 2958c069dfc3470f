import React from 'react';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { EventLog, eventLine } from '../../src/ui/EventLog.js';
import { makeTheme } from '../../src/ui/theme.js';
import type { LogEntry } from '../../src/store/events.js';
import { describeOomEvent } from '../../src/kernel/render.js';
import type { OomEvent } from '../../src/kernel/types.js';

const kill = (pid: number, past: boolean): OomEvent & { past: boolean } =>
  ({ victim: { pid, comm: 'tail', anonRssKiB: 32768, fileRssKiB: 1500, shmemRssKiB: 0 }, constraint: 'MEMCG', memcg: { oomMemcg: '/oomtop-test-1234abcd', taskMemcg: '/oomtop-test-1234abcd' }, past }) as unknown as OomEvent & { past: boolean };

describe('the event log', () => {
  it('tells live and past kernel kills apart at the start of the line, readable at 80 columns', () => {
    const events: LogEntry[] = [
      { id: 1, time: Date.parse('2026-01-01T10:00:00Z'), kind: 'oom-kill', severity: 'warn', text: describeOomEvent({ ...kill(100, true), past: false }), oom: kill(100, true) },
      { id: 2, time: Date.parse('2026-01-01T10:05:00Z'), kind: 'oom-kill', severity: 'bad', text: describeOomEvent(kill(200, false)), oom: kill(200, false) },
      { id: 3, time: Date.parse('2026-01-01T10:06:00Z'), kind: 'info', severity: 'info', text: 'kernel log: kmsg' },
    ];
    // Long lines wrap: give the log room for every line of the three entries.
    const { lastFrame } = render(<EventLog events={events} width={80} height={8} scroll={0} theme={makeTheme(false)} />);
    // eslint-disable-next-line no-control-regex
    const lines = lastFrame()!.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((l) => /^\S/.test(l)).slice(1);
    expect(lines[0]).toMatch(/^past \d\d:\d\d:\d\d oom-kill .*PID 100 \(tail\)/);
    expect(lines[1]).toMatch(/^LIVE \d\d:\d\d:\d\d oom-kill .*PID 200 \(tail\)/);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d info/);
    expect(eventLine(events[0]!)).not.toContain('before oomtop started');
  });
});
