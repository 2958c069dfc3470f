// Runs INSIDE the systemd guest (npm run vm -- --systemd), as root in the checkout:
//   node test/vm/guest/exporter.mjs
// contrib/oomtop-exporter.service installed and run for real under systemd on cgroup v2: it
// serves on 127.0.0.1:10173; a unit with MemoryMax=128M shows with its unit label, its v2
// PSI and a zero kill series; a hog moved into that unit is OOM-killed by the kernel and the
// kill shows in the scrape. What it saw goes to $OOMTOP_VM_OUT/exporter.json; the assertions
// are in test/vm/exporter.test.ts. Only processes this script started are signalled.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = process.env.OOMTOP_VM_OUT ?? '/mnt/vmout';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sh = (script) => execFileSync('/bin/bash', ['-c', script], { encoding: 'utf8' });
const prop = (unit, p) => sh(`systemctl show -P ${p} ${unit}`).trim();
const log = (m) => process.stderr.write(`guest: ${m}\n`);
const URL = 'http://127.0.0.1:10173/metrics';

async function scrapeUntil(pred, ms, what) {
  const t0 = Date.now();
  let last = '';
  for (;;) {
    try {
      last = await (await fetch(URL)).text();
      if (pred(last)) return last;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; last scrape:\n${last.slice(0, 3000)}`);
    await sleep(250);
  }
}

async function main() {
  // The "global install" in the guest's overlay (as for the guard's unit, see v2.mjs service).
  sh('rm -rf /opt/oomtop && mkdir -p /opt/oomtop/dist && cp -a bin package.json /opt/oomtop/ && cp -a dist/bundle /opt/oomtop/dist/');
  sh('ln -sf /opt/oomtop/bin/oomtop.js /usr/local/bin/oomtop && cp contrib/oomtop-exporter.service /etc/systemd/system/');
  // OOMPolicy=continue: the unit (and its cgroup) outlives the kill.
  sh('systemd-run --unit=expkeeper -p MemoryMax=128M -p MemorySwapMax=0 -p OOMPolicy=continue sleep 600');
  sh('systemctl daemon-reload && systemctl start oomtop-exporter');
  const cg = '/system.slice/expkeeper.service';
  const before = await scrapeUntil((t) => t.includes(`oomtop_cgroup_memory_limit_bytes{cgroup="${cg}"`), 60_000, 'the unit in the scrape');
  const mainPid = Number(prop('oomtop-exporter', 'MainPID'));
  const unit = {
    active: prop('oomtop-exporter', 'ActiveState'),
    adj: sh(`cat /proc/${mainPid}/oom_score_adj`).trim(),
    memoryMax: prop('oomtop-exporter', 'MemoryMax'),
  };
  // A hog joins the unit's cgroup and allocates past its 128 MiB.
  const hog = spawn('/bin/sh', ['-c', `echo $$ > /sys/fs/cgroup${cg}/cgroup.procs && exec "${process.execPath}" -e "const a=[];for(;;)a.push(Buffer.alloc(16<<20,1))"`], { stdio: 'ignore' });
  const hogExit = await new Promise((r) => hog.on('exit', (code, signal) => r({ code, signal })));
  const after = await scrapeUntil(
    // The kill from the kernel log is counted at once; the cgroup's own counter comes with
    // the next sample (a scrape within --interval of the last one reuses it): wait for both.
    (t) =>
      new RegExp(`^oomtop_kernel_oom_kills_total\\{constraint="memcg",cgroup="${cg}"\\} [1-9]`, 'm').test(t) &&
      new RegExp(`^oomtop_cgroup_oom_kills_total\\{cgroup="${cg}"[^}]*\\} [1-9]`, 'm').test(t),
    30_000,
    'the kill in the scrape',
  );
  const index = await (await fetch('http://127.0.0.1:10173/')).text();
  sh('systemctl stop oomtop-exporter');
  const stopped = { active: prop('oomtop-exporter', 'ActiveState'), result: prop('oomtop-exporter', 'Result') };
  const journal = sh('journalctl -u oomtop-exporter -o cat --no-pager');
  sh('systemctl stop expkeeper 2>/dev/null || true');
  return { cgroup: cg, hogPid: hog.pid, hogExit, before, after, index, unit, stopped, journal };
}

try {
  const r = await main();
  writeFileSync(join(OUT, 'exporter.json'), JSON.stringify({ ok: true, ...r }, null, 1));
  process.exit(0);
} catch (e) {
  log(String(e?.stack ?? e));
  writeFileSync(join(OUT, 'exporter.json'), JSON.stringify({ ok: false, error: String(e?.stack ?? e) }));
  process.exit(1);
}
