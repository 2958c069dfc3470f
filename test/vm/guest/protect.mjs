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

  /**
   * The TUI's R on a process of a real service (tmux in the guest, 80x24): ] sets adj 100,
   * R offers the drop-in beside the rule, b writes both; systemd then sets the adj itself
   * after a restart, and the rules file holds the rule.
   */
  async tuidropin() {
    const pid = await startUnit();
    const file = '/tmp/oomtop-vm-tui-rules.toml';
    writeFileSync(file, '# kept\n');
    const T = ['-L', 'oomtop-vm-r'];
    const tmux = (...a) => execFileSync('tmux', [...T, ...a], { encoding: 'utf8' });
    const screen = () => tmux('capture-pane', '-p', '-t', 'vm');
    const flat = () => screen().split('\n').map((l) => l.trim()).join(' ').replace(/\s+/g, ' ');
    const waitScreen = async (pred, ms, what) => {
      await until(() => pred(flat()), ms, what).catch((e) => {
        throw new Error(`${e.message}; screen:\n${screen()}`);
      });
      return screen();
    };
    tmux('new-session', '-d', '-s', 'vm', '-x', '80', '-y', '24', '-e', 'TERM=xterm-256color', `${process.execPath} ${OOMTOP} --interval 0.5 --rules ${file} --filter pid:${pid}`);
    try {
      await waitScreen((t) => t.includes(`${pid} `) && / 1\/1 of /.test(t), 60_000, 'the unit\'s row');
      tmux('send-keys', '-t', 'vm', ']');
      await until(() => adjOf(pid) === '100', 20_000, 'adj 100 from ]');
      tmux('send-keys', '-t', 'vm', 'R');
      const dialog = await waitScreen((t) => t.includes('d: the drop-in') && t.includes('b: both'), 20_000, 'the dialog offering the drop-in');
      tmux('send-keys', '-t', 'vm', 'b');
      const done = await waitScreen((t) => t.includes(`its next start gets OOMScoreAdjust=100 from systemd itself`), 30_000, 'the drop-in written');
      const dropIn = readFileSync(`/etc/systemd/system/${UNIT}.d/50-oomtop.conf`, 'utf8');
      const prop1 = prop('OOMScoreAdjust');
      const pid1 = await startUnit();
      return { pid, dialog, done, dropIn, OOMScoreAdjust: prop1, restarted: { pid: pid1, adj: adjOf(pid1) }, rules: readFileSync(file, 'utf8'), check: oomtop('rules', 'check', file) };
    } finally {
      try {
        tmux('kill-server');
      } catch { /* gone */ }
      rmSync(file, { force: true });
    }
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
