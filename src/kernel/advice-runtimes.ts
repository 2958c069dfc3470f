/**
 * Advice for the workload that died: when an OOM report's victim (or its largest task) is
 * a well-known runtime, what to check for that runtime, with the report's own figures.
 * One table, one entry per runtime; matched on the kernel's process name (comm, 15 bytes),
 * so an entry says "if" where the name alone is a guess. Pure, no I/O.
 */
import { fmtSize } from '../text/size.js';
import type { OomEvent } from './types.js';

const PAGE_KIB = 4;

/** What the report says about the process the advice is for. */
export interface AdviceFacts {
  comm: string;
  pid: number;
  role: 'victim' | 'largest task';
  /** Its RSS in the report (anon for the victim, the task table's rss otherwise). */
  rssKiB: number | null;
  /** The memory cgroup limit of a memcg OOM, when the report gives it. */
  limitKiB: number | null;
  memcg: string | null;
  /** Tasks of the report's table (its largest, at most 10) whose name matches the entry. */
  same: { count: number; totalKiB: number; avgKiB: number };
  tableSize: number;
}

export interface RuntimeEntry {
  id: string;
  /** On the kernel's process name. */
  comm: RegExp;
  /** Further conditions from the report; absent: the name is enough. */
  when?: (f: AdviceFacts) => boolean;
  advise: (f: AdviceFacts) => string;
}

const ELASTIC = /elastic|opensearch/i;
const isElastic = (f: AdviceFacts) => /^(elasticsearch|opensearch)$/i.test(f.comm) || (f.comm === 'java' && ELASTIC.test(f.memcg ?? ''));
const GiB = 1024 * 1024;
const BROWSER = /^(chrome|chromium|chromium-browse|brave|msedge)$/i;

const who = (f: AdviceFacts) => `${f.comm} (pid ${f.pid}, the ${f.role}${f.rssKiB !== null ? `, ${fmtSize(f.rssKiB)} resident` : ''})`;
const limit = (f: AdviceFacts) => (f.limitKiB !== null ? ` (here: the ${fmtSize(f.limitKiB)} limit of its cgroup)` : '');
const table = (f: AdviceFacts, what: string) =>
  f.same.count > 1 ? ` The report's table of the ${f.tableSize} largest tasks lists ${f.same.count} ${what} (${fmtSize(f.same.totalKiB)} together, about ${fmtSize(f.same.avgKiB)} each).` : '';

export const RUNTIMES: readonly RuntimeEntry[] = [
  {
    id: 'java',
    comm: /^java$/,
    when: (f) => !isElastic(f),
    advise: (f) =>
      `Java: ${who(f)}. Its heap is capped by -Xmx; in a container prefer -XX:MaxRAMPercentage (e.g. 75) so the heap follows the limit (JDK 10+ and 8u191+ read the cgroup limit). Metaspace, thread stacks, direct buffers (-XX:MaxDirectMemorySize) and the code cache come on top of the heap: leave room for them${limit(f)}.`,
  },
  {
    id: 'node',
    comm: /^(node|nodejs)$/,
    advise: (f) =>
      `Node.js: ${who(f)}. --max-old-space-size=MiB (or NODE_OPTIONS) caps V8's heap; set it below the memory it may use${limit(f)}, leaving room for buffers and native memory, so a leak ends in a JavaScript heap error you can see instead of an OOM kill.`,
  },
  {
    id: 'python',
    comm: /^(python[0-9.]*|gunicorn|uwsgi|celery|uvicorn)$/,
    advise: (f) =>
      `Python workers: ${who(f)}. If it is one of a pool of workers, recycle workers that grow (gunicorn --max-requests with --max-requests-jitter, uWSGI max-requests / reload-on-rss, Celery --max-tasks-per-child / --max-memory-per-child) and size the pool as workers × per-worker memory.${table(f, 'Python processes')}`,
  },
  {
    id: 'postgres',
    comm: /^(postgres|postmaster)$/,
    advise: (f) =>
      `PostgreSQL: ${who(f)}. shared_buffers is shared once, but work_mem can be used per sort or hash by every connection: budget shared_buffers + work_mem × operations × max_connections (plus maintenance_work_mem); lower work_mem or max_connections, or pool connections (PgBouncer).${table(f, 'postgres processes')}`,
  },
  {
    id: 'mysql',
    comm: /^(mysqld|mariadbd)$/,
    advise: (f) =>
      `MySQL/MariaDB: ${who(f)}. innodb_buffer_pool_size is the largest part: size it for what the server may use${limit(f)} next to everything else; per-connection buffers (sort_buffer_size, join_buffer_size, read_buffer_size, tmp_table_size) × max_connections come on top.`,
  },
  {
    id: 'php-fpm',
    comm: /^php-fpm/,
    advise: (f) =>
      `PHP-FPM: ${who(f)}. pm.max_children × the RSS of one child must fit the memory PHP may use${limit(f)}: set pm.max_children to about that memory divided by a child's RSS, and pm.max_requests to recycle children that grow.${table(f, 'php-fpm processes')}`,
  },
  {
    id: 'redis',
    comm: /^redis-server$/,
    advise: (f) =>
      `Redis: ${who(f)}. Set maxmemory (and a maxmemory-policy such as allkeys-lru for a cache) below the memory it may use${limit(f)}, with room for the fork of BGSAVE / AOF rewrite, whose copy-on-write can approach the dataset's size again under heavy writes.`,
  },
  {
    id: 'elasticsearch',
    comm: /^(java|elasticsearch|opensearch)$/i,
    when: isElastic,
    advise: (f) =>
      `Elasticsearch${f.comm === 'java' ? ` (if this JVM is Elasticsearch or OpenSearch, as its cgroup ${f.memcg} suggests)` : ''}: ${who(f)}. Keep the heap (-Xms = -Xmx in jvm.options.d or ES_JAVA_OPTS) at no more than half of the memory it may use${limit(f)}: the rest goes to off-heap structures and the file-system cache it relies on.`,
  },
  {
    id: 'chrome',
    comm: /^(chrome|chromium|chromium-browse|electron|code|slack|discord|brave|msedge)$/i,
    advise: (f) =>
      BROWSER.test(f.comm)
        ? `Chrome/Electron: ${who(f)}. Every tab, extension and site runs its own renderer process: close tabs or let the browser discard them (Memory Saver), or run it in its own memory cgroup (systemd-run --user --scope -p MemoryMax=...) so it cannot take the desktop down.${table(f, `${f.comm} processes`)}`
        : // "code", "slack", "discord": common words too, so the name alone is a guess.
          `Chrome/Electron (if ${f.comm} is the Electron app its name suggests): ${who(f)}. Each of its windows and extension hosts runs its own renderer process: close windows or extensions you do not need, or run it in its own memory cgroup (systemd-run --user --scope -p MemoryMax=...) so it cannot take the desktop down.${table(f, `${f.comm} processes`)}`,
  },
  {
    id: 'container-heap',
    comm: /^(java|node|nodejs|elasticsearch|opensearch)$/,
    when: (f) => f.limitKiB !== null && f.limitKiB <= 4 * GiB,
    advise: (f) =>
      `${f.comm} died in a memory cgroup with a ${fmtSize(f.limitKiB)} limit: if the runtime sized its heap from the host instead of the limit (Java before 8u191 / JDK 10 takes a quarter of the host's RAM; Node.js's default old space is 2 to 4 GiB on 64-bit), its default heap is larger than the container. Set the heap explicitly below the limit (-Xmx or -XX:MaxRAMPercentage, --max-old-space-size).`,
  },
];

function factsFor(ev: OomEvent, comm: string, pid: number, role: AdviceFacts['role'], rssKiB: number | null, entry: RuntimeEntry): AdviceFacts {
  const same = ev.tasks.filter((t) => entry.comm.test(t.name));
  const totalKiB = same.reduce((n, t) => n + (t.rssPages ?? 0) * PAGE_KIB, 0);
  return {
    comm,
    pid,
    role,
    rssKiB,
    limitKiB: ev.constraint === 'MEMCG' ? (ev.memcg?.limitKiB ?? null) : null,
    memcg: ev.memcg?.oomMemcg ?? ev.memcg?.taskMemcg ?? null,
    same: { count: same.length, totalKiB, avgKiB: same.length > 0 ? totalKiB / same.length : 0 },
    tableSize: ev.tasks.length,
  };
}

/** The entries that fire for one event: on its victim, and on its largest task when that is another name. */
export function runtimeAdvice(ev: OomEvent): Array<{ id: string; comm: string; text: string }> {
  const subjects: Array<{ comm: string; pid: number; role: AdviceFacts['role']; rssKiB: number | null }> = [];
  if (ev.victim) subjects.push({ comm: ev.victim.comm, pid: ev.victim.pid, role: 'victim', rssKiB: ev.victim.anonRssKiB });
  const big = ev.tasks[0];
  if (big && big.name !== ev.victim?.comm) subjects.push({ comm: big.name, pid: big.pid, role: 'largest task', rssKiB: big.rssPages === null ? null : big.rssPages * PAGE_KIB });
  const out: Array<{ id: string; comm: string; text: string }> = [];
  for (const s of subjects) {
    for (const e of RUNTIMES) {
      if (!e.comm.test(s.comm)) continue;
      const f = factsFor(ev, s.comm, s.pid, s.role, s.rssKiB, e);
      if (e.when && !e.when(f)) continue;
      out.push({ id: e.id, comm: s.comm, text: e.advise(f) });
    }
  }
  return out;
}
