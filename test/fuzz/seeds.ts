/**
 * Real samples for the fuzz targets, read from this machine when the test starts: /proc
 * (every process's stat, status, cmdline, statm, cgroup, limits; meminfo, vmstat, PSI,
 * mountinfo), every file of the memory cgroup tree (v1 here) and of the v2 and hybrid
 * fixture trees, /dev/kmsg and the kernel-log corpus (test/fixtures/kernel-logs and
 * /work/shared/kernel-logs when present), the rules file shipped in contrib/.
 */
import { constants, closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');

function read(path: string, encoding: BufferEncoding = 'utf8'): string | null {
  try {
    return readFileSync(path, encoding);
  } catch {
    return null;
  }
}

function pids(limit: number): string[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .slice(0, limit);
}

function perProcess(name: string, limit = 120, encoding: BufferEncoding = 'utf8'): string[] {
  const out: string[] = [];
  for (const p of pids(limit)) {
    const t = read(`/proc/${p}/${name}`, encoding);
    if (t !== null && t !== '') out.push(t);
  }
  return out;
}

/** Regular files of a tree, name → contents (readable ones only, at most `limit`). */
function treeFiles(root: string, limit: number, depth = 4): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let n = 0;
  const walk = (dir: string, d: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (n >= limit) return;
      const p = join(dir, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (d > 0) walk(p, d - 1);
        continue;
      }
      if (!st.isFile() || name === 'memory.force_empty' || name.endsWith('event_control')) continue;
      const t = read(p);
      if (t === null || t.length > 200_000) continue;
      n++;
      const list = out.get(name) ?? [];
      list.push(t);
      out.set(name, list);
    }
  };
  walk(root, depth);
  return out;
}

/** Records from /dev/kmsg, read without blocking (as many as the ring holds, up to `limit`). */
function kmsgRecords(limit: number): string[] {
  const out: string[] = [];
  let fd: number;
  try {
    fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return out;
  }
  const buf = Buffer.alloc(8192);
  try {
    while (out.length < limit) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EPIPE') continue; // overwritten while reading: go on
        break; // EAGAIN: the end of the ring
      }
      if (n <= 0) break;
      out.push(buf.toString('utf8', 0, n));
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

function logFiles(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const dir of [join(repo, 'test/fixtures/kernel-logs'), '/work/shared/kernel-logs']) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.log')) out.push({ name: f, text: read(join(dir, f)) ?? '' });
  }
  for (const f of ['/var/log/kern.log', '/var/log/syslog', '/var/log/messages']) {
    const t = read(f);
    if (t) out.push({ name: f, text: t.slice(-200_000) });
  }
  return out.filter((l) => l.text !== '');
}

export interface Seeds {
  stat: string[];
  status: string[];
  cmdline: string[];
  statm: string[];
  oomScore: string[];
  limits: string[];
  procCgroup: string[];
  meminfo: string[];
  vmstat: string[];
  pressure: string[];
  loadavg: string[];
  mountinfo: string[];
  passwd: string[];
  /** cgroup file name → real contents (v1 from this machine, v2 and hybrid from the fixture trees). */
  cgroupFiles: Map<string, string[]>;
  cgroupPaths: string[];
  kmsg: string[];
  logs: { name: string; text: string }[];
  rules: string[];
  osrelease: string[];
}

let cached: Seeds | null = null;

export function seeds(): Seeds {
  if (cached) return cached;
  const cgroupFiles = treeFiles('/sys/fs/cgroup/memory', 600, 3);
  for (const fixture of ['v2', 'hybrid', 'v1', 'runtime']) {
    for (const [k, v] of treeFiles(join(repo, 'test/fixtures/cgroup', fixture, 'sys'), 600, 8)) cgroupFiles.set(k, [...(cgroupFiles.get(k) ?? []), ...v]);
  }
  const procCgroup = perProcess('cgroup');
  for (const fixture of ['v2', 'hybrid', 'v1', 'runtime']) {
    const procRoot = join(repo, 'test/fixtures/cgroup', fixture, 'proc');
    if (!existsSync(procRoot)) continue;
    for (const p of readdirSync(procRoot)) {
      const t = read(join(procRoot, p, 'cgroup'));
      if (t) procCgroup.push(t);
    }
  }
  const cgroupPaths = [...new Set(procCgroup.flatMap((t) => t.split('\n').map((l) => l.split(':').slice(2).join(':')).filter(Boolean)))];
  const pressure = ['memory', 'cpu', 'io'].map((r) => read(`/proc/pressure/${r}`)).filter((t): t is string => t !== null);
  const stat = perProcess('stat');
  stat.push(read('/proc/stat') ?? '');
  cached = {
    stat,
    status: perProcess('status'),
    cmdline: perProcess('cmdline', 120, 'latin1'),
    statm: perProcess('statm'),
    oomScore: perProcess('oom_score'),
    limits: perProcess('limits', 20),
    procCgroup,
    meminfo: [read('/proc/meminfo')!],
    vmstat: [read('/proc/vmstat')!],
    pressure: [...pressure, ...(cgroupFiles.get('memory.pressure') ?? [])],
    loadavg: [read('/proc/loadavg')!],
    mountinfo: [read('/proc/self/mountinfo')!, read('/proc/1/mountinfo') ?? '', ...perProcess('mountinfo', 5)].filter(Boolean),
    passwd: [read('/etc/passwd') ?? 'root:x:0:0:root:/root:/bin/sh\n'],
    cgroupFiles,
    cgroupPaths,
    kmsg: kmsgRecords(3000),
    logs: logFiles(),
    rules: [read(join(repo, 'contrib/rules.toml'))!],
    osrelease: [read('/proc/sys/kernel/osrelease')!, '2.6.32-754.el6.x86_64', '4.19.0-25-amd64'],
  };
  return cached;
}
