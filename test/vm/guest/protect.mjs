// Runs INSIDE the systemd guest (npm run vm -- --systemd), as root in the checkout:
//   node test/vm/guest/protect.mjs SCENARIO...
// oomtop protect and oomtop rules against a real systemd (PID 1) on cgroup v2: a real
// unit, its real processes, its restart. Writes what it saw to $OOMTOP_VM_OUT/SCENARIO.json
// for test/vm/protect.test.ts. Only units this script made are started, stopped and removed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** The example of issue 14, as written (the file contrib/oomtop-rules.service reads). */
const EXAMPLE = `[[rule]]
name = "batch jobs go first"
comm = "^bar_rule_target$"
adj = 700

[[rule]]
name = "keep the database"
cmdline = "postgres: .*checkpointer"
adj = -900
`;

/** Processes this script starts for the rules service; killed at the end, by PID. */
const started = [];
function startProc(cmd, args) {
  const c = spawn(cmd, args, { stdio: 'ignore' });
  started.push(c);
  return c;
}
const journal = (unit) => sh(`journalctl -u ${unit} -o cat --no-pager`);

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

  /**
   * --managed-oom and --managed-oom-preference under a real systemd: the ManagedOOM*= settings
   * of the drop-in as systemctl show reports them; --unprotect takes them away.
   */
  async managed() {
    writeFileSync(UNIT_FILE, '[Unit]\nDescription=oomtop protect demo\n[Service]\nExecStart=/bin/sleep 600\n');
    // From the unit alone: an earlier scenario (tuidropin) leaves its drop-in.
    rmSync(`/etc/systemd/system/${UNIT}.d`, { recursive: true, force: true });
    sh('systemctl daemon-reload');
    const keys = ['OOMScoreAdjust', 'ManagedOOMMemoryPressure', 'ManagedOOMMemoryPressureLimit', 'ManagedOOMPreference'];
    const props = () => Object.fromEntries(keys.map((k) => [k, prop(k)]));
    const before = props();
    const r = oomtop('protect', '--unit', UNIT, '--adj', '250', '--managed-oom', 'kill', '--managed-oom-limit', '60', '--managed-oom-preference', 'omit');
    const dropIn = readFileSync(`/etc/systemd/system/${UNIT}.d/50-oomtop.conf`, 'utf8');
    const during = props();
    const u = oomtop('protect', '--unit', UNIT, '--unprotect');
    return { before, protect: r, dropIn, during, unprotect: u, after: props() };
  },

  /**
   * contrib/oomtop-rules.service installed and run by systemd with the example of issue 14
   * in /etc/oomtop/rules.toml: a process running before it starts and new ones after (and one
   * whose comm changes at exec) get 700, the database-like one -900 (lowering works: the unit
   * keeps CAP_SYS_RESOURCE), each change one line in the journal; reload (SIGHUP) puts an
   * edited file in force and refuses a broken one; stop is clean; a broken file at start
   * fails the unit once, with PATH:LINE in the journal.
   */
  async rulesservice() {
    // The "global install" in the guest's overlay, as for the guard's unit (test/vm/guest/v2.mjs):
    // the unit's PrivateTmp= would hide a checkout under /tmp.
    sh('rm -rf /opt/oomtop && mkdir -p /opt/oomtop/dist && cp -a bin package.json /opt/oomtop/ && cp -a dist/bundle /opt/oomtop/dist/');
    sh('ln -sf /opt/oomtop/bin/oomtop.js /usr/local/bin/oomtop && cp contrib/oomtop-rules.service /etc/systemd/system/');
    mkdirSync('/etc/oomtop', { recursive: true });
    writeFileSync('/etc/oomtop/rules.toml', EXAMPLE);
    mkdirSync('/run/oomtop-vm', { recursive: true });
    const target = '/run/oomtop-vm/bar_rule_target';
    copyFileSync('/bin/sleep', target);
    copyFileSync('/bin/sleep', '/run/oomtop-vm/bar_rule_late');
    const early = startProc(target, ['600']);
    const db = startProc('bash', ['-c', 'exec -a "postgres: checkpointer" sleep 600']);
    await until(() => readFileSync(`/proc/${early.pid}/comm`, 'utf8') === 'bar_rule_target\n' && readFileSync(`/proc/${db.pid}/cmdline`, 'utf8').startsWith('postgres: checkpointer'), 10_000, 'the processes');
    sh('systemctl daemon-reload && systemctl start oomtop-rules');
    await until(() => journal('oomtop-rules').includes('watching /etc/oomtop/rules.toml'), 60_000, 'the watch line in the journal');
    await until(() => adjOf(early.pid) === '700' && adjOf(db.pid) === '-900', 20_000, 'the running processes set');
    const mainPid = Number(sh('systemctl show -P MainPID oomtop-rules').trim());
    const service = { active: sh('systemctl show -P ActiveState oomtop-rules').trim(), mainPid, adj: adjOf(mainPid), cmdline: readFileSync(`/proc/${mainPid}/cmdline`, 'utf8').split('\0').filter(Boolean) };
    // A new process, after the first pass: within an interval (1 s) plus the guest's slowness.
    const t0 = Date.now();
    const late = startProc(target, ['600']);
    await until(() => adjOf(late.pid) === '700', 20_000, 'the new process set');
    const newMs = Date.now() - t0;
    // A shell that execs the job a moment later: the comm changes at exec.
    const sh1 = startProc('sh', ['-c', `sleep 1; exec ${target} 600`]);
    await until(() => readFileSync(`/proc/${sh1.pid}/comm`, 'utf8') === 'bar_rule_target\n', 20_000, 'the exec');
    const t1 = Date.now();
    await until(() => adjOf(sh1.pid) === '700', 20_000, 'the exec\'d process set');
    const execMs = Date.now() - t1;
    // An edited file, reloaded.
    writeFileSync('/etc/oomtop/rules.toml', `${EXAMPLE}\n[[rule]]\nname = "late"\ncomm = "^bar_rule_late$"\nadj = 500\n`);
    sh('systemctl reload oomtop-rules');
    await until(() => journal('oomtop-rules').includes('reloaded /etc/oomtop/rules.toml: 3 rules'), 30_000, 'the reload line');
    const l = startProc('/run/oomtop-vm/bar_rule_late', ['600']);
    await until(() => adjOf(l.pid) === '500', 20_000, 'the reloaded rule applied');
    // A broken file: the reload is refused, the rules in force stay, the unit stays active.
    writeFileSync('/etc/oomtop/rules.toml', '[[rule]]\nname = "x"\ncomm = "("\nadj = 5\n');
    sh('systemctl reload oomtop-rules');
    await until(() => journal('oomtop-rules').includes('reload refused'), 30_000, 'the refused reload');
    const l2 = startProc('/run/oomtop-vm/bar_rule_late', ['600']);
    await until(() => adjOf(l2.pid) === '500', 20_000, 'the rules in force after a refused reload');
    const afterBadReload = sh('systemctl show -P ActiveState oomtop-rules').trim();
    sh('systemctl stop oomtop-rules');
    const stopped = { active: sh('systemctl show -P ActiveState oomtop-rules').trim(), result: sh('systemctl show -P Result oomtop-rules').trim() };
    // Started with the broken file: `rules apply` exits 2 with PATH:LINE, and the unit fails
    // once (RestartPreventExitStatus=2) rather than restarting every RestartSec=2.
    const badStart = spawnSync('systemctl', ['start', 'oomtop-rules'], { encoding: 'utf8' });
    await until(() => journal('oomtop-rules').includes('/etc/oomtop/rules.toml:3: rule "x": comm is not a valid regular expression'), 30_000, 'the PATH:LINE of the broken file');
    await sleep(6000); // three RestartSec= later
    const failed = {
      status: badStart.status,
      active: sh('systemctl show -P ActiveState oomtop-rules').trim(),
      result: sh('systemctl show -P Result oomtop-rules').trim(),
      exitStatus: sh('systemctl show -P ExecMainStatus oomtop-rules').trim(),
      restarts: sh('systemctl show -P NRestarts oomtop-rules').trim(),
    };
    const log = journal('oomtop-rules');
    spawnSync('systemctl', ['stop', 'oomtop-rules']);
    spawnSync('systemctl', ['reset-failed', 'oomtop-rules']);
    return {
      pids: { early: early.pid, db: db.pid, late: late.pid, exec: sh1.pid, reloaded: l.pid, kept: l2.pid },
      service, newMs, execMs, afterBadReload, stopped, failed, journal: log.slice(-6000),
    };
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
for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
spawnSync('systemctl', ['stop', 'oomtop-rules']);
rmSync('/etc/systemd/system/oomtop-rules.service', { force: true });
rmSync('/etc/oomtop', { recursive: true, force: true });
rmSync('/run/oomtop-vm', { recursive: true, force: true });
spawnSync('systemctl', ['stop', UNIT]);
rmSync(UNIT_FILE, { force: true });
rmSync(`/etc/systemd/system/${UNIT}.d`, { recursive: true, force: true });
spawnSync('systemctl', ['daemon-reload']);
process.exit(failed ? 1 : 0);
