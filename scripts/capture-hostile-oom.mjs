#!/usr/bin/env node
/**
 * Make real kernel OOM reports for processes with hostile names, for the fixture corpus
 * (test/fixtures/kernel-logs/local-6.18-hostile-comm.*). Needs root, gcc and a writable
 * cgroup v1 memory hierarchy. Each hog is renamed with prctl(PR_SET_NAME) and OOM-killed
 * inside a 32 MiB memory cgroup (removed afterwards), so the rest of the machine is never
 * short of memory. Writes the new /dev/kmsg records (raw, as read()) and `dmesg` output.
 *
 *   node scripts/capture-hostile-oom.mjs OUTDIR
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = process.argv[2];
if (!out) throw new Error('usage: capture-hostile-oom.mjs OUTDIR');
mkdirSync(out, { recursive: true });

export const NAMES = [
  'x) Z (y\nsshd', // a ")" to end the name early, a newline to start a fake line
  '\x1b[2J\x1b[Hevil', // clear the screen, cursor home
  'a) total-vm:9kB', // a fake field right after a fake ")"
  '\x1b]0;pwn\x07ok', // set the terminal title
];

function kmsgRecords() {
  const fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  const recs = [];
  const buf = Buffer.alloc(16384);
  try {
    for (;;) {
      let n;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if (e.code === 'EAGAIN') break;
        if (e.code === 'EPIPE') continue;
        throw e;
      }
      recs.push(buf.subarray(0, n).toString('latin1'));
    }
  } finally {
    closeSync(fd);
  }
  return recs;
}
const seqOf = (r) => Number(r.split(',')[1]);

const bin = join(mkdtempSync(join(tmpdir(), 'namedhog-')), 'namedhog');
execFileSync('gcc', ['-O1', '-o', bin, new URL('../test/helpers/namedhog.c', import.meta.url).pathname]);

const before = kmsgRecords();
const lastSeq = before.length ? seqOf(before[before.length - 1]) : -1;
const cg = join('/sys/fs/cgroup/memory', `oomtop-hostile-${process.pid}`);
mkdirSync(cg);
try {
  writeFileSync(join(cg, 'memory.limit_in_bytes'), String(32 * 1024 * 1024));
  for (const name of NAMES) {
    const child = spawn(bin, [join(cg, 'cgroup.procs'), Buffer.from(name, 'latin1').toString('hex')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(s ?? c)));
    console.log(`${JSON.stringify(name)}: pid ${child.pid} ended by ${code}`);
  }
} finally {
  for (let i = 0; i < 50; i++) {
    try {
      rmdirSync(cg);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
const fresh = kmsgRecords().filter((r) => seqOf(r) > lastSeq);
writeFileSync(join(out, 'kmsg.log'), Buffer.from(fresh.join(''), 'latin1'));
const firstUs = fresh.length ? Number(fresh[0].split(',')[2]) : 0;
for (const [file, args] of [['dmesg.log', []], ['dmesg-T.log', ['-T']]]) {
  const text = execFileSync('dmesg', args, { encoding: 'latin1', maxBuffer: 64 << 20 });
  // Keep the lines from our first record on (continuation lines have no stamp: keep them with their record).
  const raw = execFileSync('dmesg', [], { encoding: 'latin1', maxBuffer: 64 << 20 }).split('\n');
  const lines = text.split('\n');
  const kept = [];
  let on = false;
  lines.forEach((l, i) => {
    const m = /^\[\s*(\d+)\.(\d+)\]/.exec(raw[i] ?? '');
    if (m) on = Number(m[1]) * 1e6 + Number(m[2]) >= firstUs;
    if (on && l) kept.push(l);
  });
  writeFileSync(join(out, file), Buffer.from(kept.join('\n') + '\n', 'latin1'));
}
console.log(`wrote ${fresh.length} kmsg records to ${out}`);
