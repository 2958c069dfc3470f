// The idle cost of `oomtop rules apply --watch`: CPU ticks (utime + stime from
// /proc/PID/stat) over 30 s with about 1000 processes running, none of them new.
// Starts its own sleepers and kills them (by PID) at the end.
// Usage: npm run build && node bench/rules-idle.mjs [SECONDS] [PROCESSES]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const seconds = Number(process.argv[2] ?? 30);
const want = Number(process.argv[3] ?? 1000);
const count = () => readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
const ticks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'oomtop-rules-bench-'));
const rules = join(dir, 'rules.toml');
writeFileSync(rules, readFileSync(new URL('../contrib/rules.toml', import.meta.url), 'utf8'));
const sleepers = [];
while (count() < want) sleepers.push(spawn('sleep', ['600'], { stdio: 'ignore' }));
await sleep(500);
const w = spawn(process.execPath, [new URL('../bin/oomtop.js', import.meta.url).pathname, 'rules', 'apply', rules, '--watch', '--interval', '1'], { stdio: ['ignore', 'ignore', 'inherit'] });
await sleep(3000); // start-up and the first full pass are not idle
const n = count();
const t0 = ticks(w.pid);
const s0 = performance.now();
await sleep(seconds * 1000);
const used = ticks(w.pid) - t0;
const wall = (performance.now() - s0) / 1000;
const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${w.pid}/status`, 'utf8'))[1];
w.kill('SIGTERM');
for (const s of sleepers) s.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ processes: n, seconds: Number(wall.toFixed(1)), cpuTicks: used, cpuPct: Number(((used / 100 / wall) * 100).toFixed(2)), rssKiB: Number(rss) }));
