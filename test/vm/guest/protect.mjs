// Runs INSIDE the systemd guest (npm run vm -- --systemd), as root in the checkout:
//   node test/vm/guest/protect.mjs SCENARIO...
// oomtop protect and oomtop rules against a real systemd (PID 1) on cgroup v2: a real
// unit, its real processes, its restart. Writes what it saw to $OOMTOP_VM_OUT/SCENARIO.json
// for test/vm/protect.test.ts. Only units this script made are started, stopped and removed.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = process.env.OOMTOP_VM_OUT ?? '/mnt/vmout';
const OOMTOP = join(process.cwd(), 'bin/oomtop.js');
const UNIT = 'oomtop-protect-demo.service';
const UNIT_FILE = `/etc/systemd/system/${UNIT}`;
const log = (m) => process.stderr.write(`guest: ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd) => execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' });
const prop = (p) => sh(`systemctl show -P ${p} ${UNIT}`).trim();
const oomtop = (...args) => {
  const r = spawnSync(process.execPath, [OOMTOP, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const adjOf = (pid) => readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8').trim();

async function until(pred, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (pred()) return;
    } catch {
      /* not yet */
    }
    await sleep(100);
  }
  throw new Error(`timed out: ${what}`);
}

async function startUnit() {
  sh(`systemctl restart ${UNIT}`);
  await until(() => prop('ActiveState') === 'active' && Number(prop('MainPID')) > 0, 30_000, `${UNIT} active`);
  return Number(prop('MainPID'));
}

const scenarios = {
  /**
   * oomtop protect --unit on a real unit: the drop-in, daemon-reload, the running process set
   * at once, systemd's own OOMScoreAdjust= after a restart; --unprotect and back to 0.
   */
  async protect() {
    writeFileSync(UNIT_FILE, '[Unit]\nDescription=oomtop protect demo\n[Service]\nExecStart=/bin/sleep 600\n');
    sh('systemctl daemon-reload');
    const pid0 = await startUnit();
    const before = adjOf(pid0);
    const r = oomtop('protect', '--unit', 'oomtop-protect-demo', '--adj', '-600', '--policy', 'continue', '--managed-oom-preference', 'avoid', '--json');
    const running = adjOf(pid0);
    const props = { OOMScoreAdjust: prop('OOMScoreAdjust'), OOMPolicy: prop('OOMPolicy'), ManagedOOMPreference: prop('ManagedOOMPreference') };
    const dropIn = readFileSync(`/etc/systemd/system/${UNIT}.d/50-oomtop.conf`, 'utf8');
    const pid1 = await startUnit();
    const restarted = { pid: pid1, adj: adjOf(pid1) };
    const u = oomtop('protect', '--unit', UNIT, '--unprotect');
    const pid2 = await startUnit();
    const unprotected = { pid: pid2, adj: adjOf(pid2), OOMScoreAdjust: prop('OOMScoreAdjust') };
    return { pid0, before, protect: { ...r, json: JSON.parse(r.stdout) }, running, props, dropIn, restarted, unprotect: u, unprotected };
  },

  /** oomtop rules apply: the unit matcher on a real v2 service cgroup; check lists it first. */
  async rules() {
    const pid = await startUnit();
    const file = '/tmp/oomtop-vm-rules.toml';
    writeFileSync(file, `[[rule]]\nname = "the demo unit"\nunit = "oomtop-protect-demo"\nadj = 300\n`);
    const check = oomtop('rules', 'check', file);
    const apply = oomtop('rules', 'apply', file, '--json');
    return { pid, cgroup: prop('ControlGroup'), check, apply: { ...apply, lines: apply.stdout.trim().split('\n').map((l) => JSON.parse(l)) }, adj: adjOf(pid) };
  },
};

let failed = false;
for (const name of process.argv.slice(2)) {
  const fn = scenarios[name];
  const t0 = Date.now();
  try {
    if (!fn) throw new Error(`no scenario ${name}`);
    const result = await fn();
    writeFileSync(join(OUT, `${name}.json`), JSON.stringify({ ok: true, ms: Date.now() - t0, ...result }, null, 1));
  } catch (e) {
    failed = true;
    writeFileSync(join(OUT, `${name}.json`), JSON.stringify({ ok: false, error: String(e?.stack ?? e) }));
  }
  log(`${name}: ${Date.now() - t0} ms`);
}
spawnSync('systemctl', ['stop', UNIT]);
rmSync(UNIT_FILE, { force: true });
rmSync(`/etc/systemd/system/${UNIT}.d`, { recursive: true, force: true });
spawnSync('systemctl', ['daemon-reload']);
process.exit(failed ? 1 : 0);
