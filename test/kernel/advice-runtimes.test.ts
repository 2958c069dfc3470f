import { describe, expect, it } from 'vitest';
import { RUNTIMES, runtimeAdvice } from '../../src/kernel/advice-runtimes.js';
import { recommend, summarize } from '../../src/kernel/analysis.js';
import { parseOomLog } from '../../src/kernel/parser.js';
import { oomEventLines } from '../../src/kernel/render.js';

/**
 * Reports in the real format of Linux 6.18's dmesg (the lines of
 * /work/shared/kernel-logs/linux-6.18-memcg-v1.dmesg.log, with the victim, the task table
 * and the cgroup changed), parsed by the real parser.
 */
interface Task {
  pid: number;
  name: string;
  rssMiB: number;
}

function report(o: { victim: Task; others?: Task[]; memcg?: { path: string; limitMiB: number } }): string {
  const ts = (n: number) => `[ 2315.${String(901384 + n).padStart(6, '0')}]`;
  const v = o.victim;
  const tasks = [v, ...(o.others ?? [])];
  const pages = (t: Task) => t.rssMiB * 256;
  const row = (t: Task) =>
    `[${String(t.pid).padStart(7)}]     0 ${String(t.pid).padStart(5)} ${String(pages(t) + 700).padStart(8)} ${String(pages(t)).padStart(8)} ${String(pages(t) - 369).padStart(8)}      369         0   176128        0             0 ${t.name}`;
  const lines = [
    `${v.name} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0`,
    `CPU: 1 UID: 0 PID: ${v.pid} Comm: ${v.name} Not tainted 6.18.44-fc-v509 #1 PREEMPT(none) `,
    'Call Trace:',
    ...(o.memcg
      ? [
          `memory: usage ${o.memcg.limitMiB * 1024}kB, limit ${o.memcg.limitMiB * 1024}kB, failcnt 23`,
          'memory+swap: usage 65536kB, limit 9007199254740988kB, failcnt 0',
          `Memory cgroup stats for ${o.memcg.path}:`,
        ]
      : []),
    'Tasks state (memory values in pages):',
    '[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name',
    ...tasks.map(row),
    o.memcg
      ? `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=${o.memcg.path},task_memcg=${o.memcg.path},task=${v.name},pid=${v.pid},uid=0`
      : `oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice,task=${v.name},pid=${v.pid},uid=0`,
    `${o.memcg ? 'Memory cgroup out of memory' : 'Out of memory'}: Killed process ${v.pid} (${v.name}) total-vm:${pages(v) * 4 + 2800}kB, anon-rss:${v.rssMiB * 1024}kB, file-rss:1476kB, shmem-rss:0kB, UID:0 pgtables:172kB oom_score_adj:0`,
  ];
  return lines.map((l, i) => `${ts(i)} ${l}\n`).join('');
}

const t = (pid: number, name: string, rssMiB: number): Task => ({ pid, name, rssMiB });
const many = (n: number, name: string, rssMiB: number, from = 2000) => Array.from({ length: n }, (_, i) => t(from + i, name, rssMiB));

/** One report per entry, whose victim is that runtime; and what must fire on it. */
const CASES: Array<{ id: string; log: string; fires: string[]; mentions: RegExp[] }> = [
  { id: 'java', log: report({ victim: t(100, 'java', 6000), memcg: { path: '/system.slice/app.service', limitMiB: 8192 } }), fires: ['java'], mentions: [/-Xmx/, /MaxRAMPercentage/, /8 GiB limit/] },
  { id: 'node', log: report({ victim: t(101, 'node', 3000), others: [t(5, 'sshd', 10)] }), fires: ['node'], mentions: [/--max-old-space-size/] },
  { id: 'python', log: report({ victim: t(102, 'gunicorn', 900), others: many(3, 'gunicorn', 700) }), fires: ['python'], mentions: [/--max-requests/, /lists 4 Python processes/] },
  { id: 'postgres', log: report({ victim: t(103, 'postgres', 1200), others: many(5, 'postgres', 300) }), fires: ['postgres'], mentions: [/shared_buffers/, /work_mem × operations × max_connections/, /lists 6 postgres processes/] },
  { id: 'mysql', log: report({ victim: t(104, 'mysqld', 5000) }), fires: ['mysql'], mentions: [/innodb_buffer_pool_size/, /sort_buffer_size/] },
  { id: 'php-fpm', log: report({ victim: t(105, 'php-fpm8.2', 120), others: many(5, 'php-fpm8.2', 120) }), fires: ['php-fpm'], mentions: [/pm\.max_children/, /about 120 MiB each/] },
  { id: 'redis', log: report({ victim: t(106, 'redis-server', 4000), memcg: { path: '/docker/0123abcd', limitMiB: 4608 } }), fires: ['redis'], mentions: [/maxmemory/, /4\.5 GiB limit/] },
  {
    id: 'elasticsearch',
    log: report({ victim: t(107, 'java', 15000), memcg: { path: '/system.slice/elasticsearch.service', limitMiB: 16384 } }),
    fires: ['elasticsearch'],
    mentions: [/if this JVM is Elasticsearch/, /half of the memory/],
  },
  { id: 'chrome', log: report({ victim: t(108, 'chrome', 800), others: many(7, 'chrome', 400) }), fires: ['chrome'], mentions: [/renderer process/, /lists 8 chrome processes/] },
  {
    id: 'container-heap',
    log: report({ victim: t(109, 'node', 500), memcg: { path: '/kubepods/burstable/pod1/abc', limitMiB: 512 } }),
    fires: ['node', 'container-heap'],
    mentions: [/512 MiB limit: if the runtime sized its heap from the host/],
  },
];

const adviceOf = (log: string) => parseOomLog(log).flatMap(runtimeAdvice);

describe('runtime advice (src/kernel/advice-runtimes.ts)', () => {
  it('has a case here for every entry of the table', () => {
    expect(CASES.map((c) => c.id).sort()).toEqual(RUNTIMES.map((r) => r.id).sort());
  });

  for (const c of CASES) {
    it(`${c.id}: fires on a report whose victim is that runtime, with its figures`, () => {
      const events = parseOomLog(c.log);
      expect(events).toHaveLength(1);
      expect(events[0]!.kind).toBe('kill');
      const got = adviceOf(c.log);
      expect(got.map((a) => a.id)).toEqual(c.fires);
      const text = got.map((a) => a.text).join('\n');
      for (const m of c.mentions) expect(text).toMatch(m);
    });

    it(`${c.id}: does not fire on the other runtimes' reports`, () => {
      for (const other of CASES) {
        if (other === c) continue;
        if (other.fires.includes(c.id)) continue;
        expect(adviceOf(other.log).map((a) => a.id), `${c.id} fired on the ${other.id} report`).not.toContain(c.id);
      }
    });
  }

  it('nothing for a process that is no known runtime, including the real sample\'s memhog', () => {
    expect(adviceOf(report({ victim: t(1, 'memhog', 64), memcg: { path: '/oom_sample', limitMiB: 64 } }))).toEqual([]);
    expect(adviceOf(report({ victim: t(1, 'javac', 900) }))).toEqual([]);
  });

  it('chrome: a browser\'s name is enough; an Electron app\'s name may be a common word, so it says "if"', () => {
    const browser = adviceOf(report({ victim: t(108, 'chromium', 800) }));
    expect(browser.map((a) => a.id)).toEqual(['chrome']);
    expect(browser[0]!.text).toMatch(/^Chrome\/Electron: chromium \(pid 108/);
    expect(browser[0]!.text).not.toMatch(/\bif\b/);
    const app = adviceOf(report({ victim: t(110, 'code', 900), others: many(3, 'code', 300) }));
    expect(app.map((a) => a.id)).toEqual(['chrome']);
    expect(app[0]!.text).toMatch(/^Chrome\/Electron \(if code is the Electron app its name suggests\): code \(pid 110/);
    expect(app[0]!.text).toMatch(/lists 4 code processes/);
    expect(app[0]!.text).not.toMatch(/\btabs?\b/);
  });

  it('advises for the largest task when the victim was a bystander', () => {
    const got = adviceOf(report({ victim: t(7, 'bash', 5), others: [t(8, 'mysqld', 9000)] }));
    expect(got.map((a) => a.id)).toEqual(['mysql']);
    expect(got[0]!.text).toMatch(/mysqld \(pid 8, the largest task, 8\.8 GiB resident\)/);
  });

  it('analyze lists it once per runtime among its recommendations; the kill details show it', () => {
    const log = CASES.find((c) => c.id === 'postgres')!.log;
    const twice = parseOomLog(log + log.replace(/\[ 2315\./g, '[ 2400.'));
    expect(twice).toHaveLength(2);
    const recs = recommend(twice, summarize(twice), null);
    expect(recs.filter((r) => r.startsWith('PostgreSQL:'))).toHaveLength(1);
    expect(oomEventLines(twice[0]!).some((l) => /^ {3}advice: PostgreSQL: /.test(l))).toBe(true);
  });
});
