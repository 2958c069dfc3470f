/**
 * The kernel log ring buffer overrun while oomtop reads it: a burst of records written to
 * /dev/kmsg (root) wraps the 128 KiB ring past the reader, whose next read fails with EPIPE.
 * The reader must carry on from the oldest record left, say that messages were lost, and the
 * follower must still report a real OOM kill made right after the burst (a hog in a small
 * memory cgroup). Writes go through fresh descriptors, ten records each: /dev/kmsg rate-limits
 * every open file (printk_devkmsg=ratelimit) and no kernel setting is changed.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { KmsgReader } from '../../src/kernel/kmsg-reader.js';
import { startKernelFollower, type FollowedEvent } from '../../src/kernel/follow.js';
import { killStarted, startHog } from '../helpers/children.js';
import { TestMemcg, memcgSkipReason } from '../helpers/memcg.js';
import { until } from '../helpers/wait.js';

const isRoot = process.geteuid?.() === 0;
afterAll(killStarted);

/** Write `n` records of about 900 bytes, tagged, ten per open descriptor (the per-open rate limit). */
function burst(tag: string, n: number): void {
  const pad = 'x'.repeat(860);
  for (let i = 0; i < n; i += 10) {
    const fd = openSync('/dev/kmsg', 'w');
    try {
      for (let k = i; k < Math.min(n, i + 10); k++) writeSync(fd, `<6>${tag} fill ${k} ${pad}\n`);
    } finally {
      closeSync(fd);
    }
  }
}

describe.skipIf(!isRoot)('the kernel log ring overrun (EPIPE) during a burst', () => {
  it('the reader says records were lost and goes on from the oldest one left, in order', async () => {
    const tag = `oomtop-overrun-${randomBytes(4).toString('hex')}`;
    const r = await KmsgReader.open('/dev/kmsg');
    try {
      for (let d = await r.drain(); !d.atEnd; d = await r.drain());
      burst(tag, 400); // about 350 KiB through a 128 KiB ring
      const fd = openSync('/dev/kmsg', 'w');
      writeSync(fd, `<6>${tag} end\n`);
      closeSync(fd);
      let lost = false;
      const seen: { seq: number; text: string }[] = [];
      for (let d = await r.drain(); ; d = await r.drain()) {
        lost ||= d.lost;
        seen.push(...d.records.map((x) => ({ seq: x.seq, text: x.text })));
        if (d.atEnd) break;
      }
      expect(lost).toBe(true);
      const mine = seen.filter((s) => s.text.startsWith(tag));
      expect(mine.at(-1)?.text).toBe(`${tag} end`);
      expect(mine.some((s) => s.text.startsWith(`${tag} fill 0 `))).toBe(false); // overwritten before it was read
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.seq).toBeGreaterThan(seen[i - 1]!.seq);
    } finally {
      await r.close();
    }
  });

  it.skipIf(memcgSkipReason !== null)('the follower (TUI, analyze --follow) reports the loss and still the real OOM kill after it', async () => {
    const tag = `oomtop-overrun-${randomBytes(4).toString('hex')}`;
    const events: FollowedEvent[] = [];
    const statuses: string[] = [];
    let source: string | null = null;
    const f = startKernelFollower({
      readHistory: false,
      pollMs: 200,
      commands: { dmesgFollow: null, journalctlFollow: null },
      onEvent: (ev) => events.push(ev),
      onStatus: (s) => {
        source ??= s.source;
        if (s.message) statuses.push(s.message);
      },
    });
    const cg = new TestMemcg(32);
    try {
      await until(() => source === 'kmsg', 10_000, 'the follower on /dev/kmsg');
      burst(tag, 400);
      const hog = startHog(64, { cgroupDir: cg.dir }).catch(() => null); // killed by the kernel at 32 MiB
      await until(() => events.some((e) => e.kind === 'kill' && e.memcg?.oomMemcg === cg.path), 20_000, 'the OOM kill event');
      await hog;
      await until(() => statuses.some((m) => /wrapped; some messages were lost/.test(m)), 5000, 'the loss reported');
      const kill = events.find((e) => e.kind === 'kill' && e.memcg?.oomMemcg === cg.path)!;
      expect(kill.past).toBe(false);
      expect(kill.victim?.comm).toBe('node');
    } finally {
      f.stop();
      await cg.remove();
    }
  });
});
