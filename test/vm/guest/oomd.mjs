// Runs INSIDE the systemd guest (npm run vm -- --systemd), as root in the checkout:
//   node test/vm/guest/oomd.mjs SCENARIO...
// systemd-oomd 252 made to kill for real, and what oomtop's TUI (tmux in the guest) and
// `oomtop analyze` say about it. systemd-oomd kills on memory pressure only "with reclaim
// activity" (the monitored cgroup's pgscan rising): anonymous memory without swap gives
// none, so the workload here is an anonymous hog plus a reader that streams a large file
// of the host (over 9p, cache=loose: real page cache) under MemoryHigh=, so the kernel
// keeps reclaiming and re-reading its pages. Writes $OOMTOP_VM_OUT/SCENARIO.json for
// test/vm/oomd.test.ts. Only the units, slices and config this script made are removed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = process.env.OOMTOP_VM_OUT ?? '/mnt/vmout';
const OOMTOP = join(process.cwd(), 'bin/oomtop.js');
const log = (m) => process.stderr.write(`guest: ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd) => execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' });
const prop = (unit, p) => sh(`systemctl show -P ${p} ${unit}`).trim();
const oomtop = (...args) => {
  const r = spawnSync(process.execPath, [OOMTOP, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const read = (p) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};
const keyed = (text) => Object.fromEntries((text ?? '').trim().split('\n').filter(Boolean).map((l) => l.split(/\s+/)).map(([k, v]) => [k, Number(v)]));

async function until(pred, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (pred()) return;
    } catch {
      /* not yet */
    }
    await sleep(200);
  }
  throw new Error(`timed out: ${what}`);
}

const T = ['-L', 'oomtop-vm-oomd'];
const tmux = (...a) => execFileSync('tmux', [...T, ...a], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'vm');
const flat = (t) => t.split('\n').map((l) => l.trim()).join(' ').replace(/\s+/g, ' ');

const BIG = ['/usr/bin/kubectl', '/usr/bin/anthoscli', '/usr/bin/node'].find((f) => existsSync(f));
const SLICE = 'oomtop-pressure.slice';
const UNIT = 'oomtop-oomd-victim.service';
const CONF = '/etc/systemd/oomd.conf.d/oomtop-vm.conf';

/** The workload: an anonymous hog of 24 MiB and two readers of a large file, under MemoryHigh=34M, no swap. */
function startWorkload(unit, slice, gate = null) {
  // The file's pages cached by an earlier workload stay charged to the parent slice after
  // that unit is gone: reading them again would fault nothing in the new unit. Drop them
  // (the guest's page cache only) so every workload reads the file into its own cgroup.
  sh('sync; echo 1 > /proc/sys/vm/drop_caches');
  const hog = `${process.execPath} -e "const a=[];for(let i=0;i<24;i++)a.push(Buffer.alloc(1<<20,1));setInterval(()=>{for(const b of a)b[0]++},100)"`;
  // Two readers: twice the refaults, so the stall share stays well above the 10 % limit under TCG.
  const work = `${hog} & (while :; do cat ${BIG} > /dev/null; done) & while :; do cat ${BIG} > /dev/null; done`;
  // With a gate, the unit (and its cgroup) is up at once, and the work waits for the file.
  const job = gate ? `while [ ! -e ${gate} ]; do sleep 0.2; done; ${work}` : work;
  sh(`systemd-run --unit=${unit} ${slice ? `--slice=${slice}` : ''} -p MemoryHigh=34M -p MemoryMax=512M -p MemorySwapMax=0 /bin/sh -c ${JSON.stringify(job)}`);
  return Date.now();
}

/** Watch a unit until it ends or `ms` pass: when it ended, and its cgroup's counters 8 s in and at the end. */
async function watchUnit(unit, started, ms) {
  await until(() => prop(unit, 'ActiveState') === 'active', 20_000, `${unit} active`);
  const cg = prop(unit, 'ControlGroup');
  let at8 = null;
  while (Date.now() - started < ms && prop(unit, 'ActiveState') === 'active') {
    if (at8 === null && Date.now() - started > 8000) at8 = { stat: keyed(read(join('/sys/fs/cgroup', cg, 'memory.stat'))), pressure: read(join('/sys/fs/cgroup', cg, 'memory.pressure')) };
    await sleep(250);
  }
  const endedMs = prop(unit, 'ActiveState') === 'active' ? null : Date.now() - started;
  const events = keyed(read(join('/sys/fs/cgroup', cg, 'memory.events')));
  const pressure = read(join('/sys/fs/cgroup', cg, 'memory.pressure'));
  return { cg, endedMs, at8, events, pressure, result: prop(unit, 'Result') };
}

const scenarios = {
  /** The same workload with nothing watching: the kernel alone (memory.high throttles, nothing reaches memory.max). */
  async oomdkernel() {
    const unit = 'oomtop-oomd-kernel.service';
    try {
      return await watchUnit(unit, startWorkload(unit, null), 40_000);
    } finally {
      spawnSync('systemctl', ['stop', unit]);
      spawnSync('systemctl', ['reset-failed', unit]);
    }
  },

  /** The same workload under oomtop guard --psi-full 10 --psi-duration 2 on the unit's cgroup. */
  async oomdguard() {
    const unit = 'oomtop-oomd-guard.service';
    // The guard first, on the unit's cgroup, before the work starts (a gate file): Node's start
    // under TCG would otherwise eat the first 10-15 s of the workload.
    const gate = '/run/oomtop-oomd-gate';
    rmSync(gate, { force: true });
    startWorkload(unit, null, gate);
    await until(() => prop(unit, 'ActiveState') === 'active', 20_000, `${unit} active`);
    const cg = prop(unit, 'ControlGroup');
    const child = spawn(process.execPath, [OOMTOP, 'guard', '--cgroup', cg, '--json', '--psi-full', '10', '--psi-duration', '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = [];
    let buf = '';
    let t0 = Date.now();
    let onStart;
    const up = new Promise((r) => (onStart = r));
    child.stdout.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        try {
          const l = { ...JSON.parse(buf.slice(0, nl)), atMs: Date.now() - t0 };
          lines.push(l);
          if (l.event === 'start') onStart();
        } catch { /* not JSON */ }
        buf = buf.slice(nl + 1);
      }
    });
    await Promise.race([up, sleep(60_000)]);
    writeFileSync(gate, '');
    const started = Date.now();
    t0 = started;
    try {
      const w = await watchUnit(unit, started, 120_000);
      return { ...w, lines: lines.filter((l) => l.event !== 'sample').slice(0, 20) };
    } finally {
      child.kill('SIGTERM');
      rmSync(gate, { force: true });
      spawnSync('systemctl', ['stop', unit]);
      spawnSync('systemctl', ['reset-failed', unit]);
    }
  },

  /**
   * A unit in a slice with ManagedOOMMemoryPressure=kill (limit 10 %, 2 s): anon hog of
   * 24 MiB and two file readers, under MemoryHigh=34M. Watch up to 120 s for systemd-oomd to
   * kill it; the TUI runs in tmux meanwhile.
   */
  async oomdkill() {
    mkdirSync('/etc/systemd/oomd.conf.d', { recursive: true });
    writeFileSync(CONF, '[OOM]\nDefaultMemoryPressureDurationSec=2s\n');
    writeFileSync(`/etc/systemd/system/${SLICE}`, '[Slice]\nManagedOOMMemoryPressure=kill\nManagedOOMMemoryPressureLimit=10%\n');
    sh('systemctl daemon-reload && systemctl restart systemd-oomd');
    await until(() => prop('systemd-oomd', 'ActiveState') === 'active', 30_000, 'systemd-oomd active');
    tmux('new-session', '-d', '-s', 'vm', '-x', '160', '-y', '45', '-e', 'TERM=xterm-256color', `${process.execPath} ${OOMTOP} --interval 1`);
    const t0 = Date.now();
    try {
      await until(() => /PID\s+USER|PID SCORE/.test(screen()), 60_000, 'the first frame');
      const started = startWorkload(UNIT, SLICE);
      await until(() => prop(UNIT, 'ActiveState') === 'active', 20_000, 'the unit active');
      const cg = prop(UNIT, 'ControlGroup');
      const slice = prop(SLICE, 'ControlGroup');
      let oomctl = null;
      let stat = null;
      let pressure = null;
      while (Date.now() - started < 120_000 && prop(UNIT, 'ActiveState') === 'active') {
        if (oomctl === null && Date.now() - started > 8000) {
          oomctl = sh('oomctl 2>&1 | head -40 || true');
          stat = keyed(read(join('/sys/fs/cgroup', cg, 'memory.stat')));
          pressure = read(join('/sys/fs/cgroup', cg, 'memory.pressure'));
        }
        await sleep(250);
      }
      const endedMs = prop(UNIT, 'ActiveState') === 'active' ? null : Date.now() - started;
      const result = { result: prop(UNIT, 'Result'), active: prop(UNIT, 'ActiveState') };
      const journalJson = sh(`journalctl -b -o json --no-pager SYSLOG_IDENTIFIER=systemd-oomd + MESSAGE_ID=d989611b15e44c9dbf31e3c81256e4ed || true`);
      const journalText = sh('journalctl -b -o short-iso --no-pager -u systemd-oomd | tail -40 || true');
      // What the service manager said about the unit (its "systemd-oomd killed N process(es)" line).
      const managerJson = sh(`journalctl -b -o json --no-pager _PID=1 UNIT=${UNIT} || true`);
      let tuiLine = null;
      if (endedMs !== null) {
        // The kill line, then the service manager's count (journaled a moment later).
        await until(() => flat(screen()).includes(`systemd-oomd killed ${cg}`) && flat(screen()).includes(`systemd-oomd: ${UNIT}:`), 20_000, 'the kill in the TUI').catch(() => {});
        tuiLine = screen().split('\n').find((l) => l.includes('oom-kill systemd-oomd killed')) ?? null;
      }
      const tuiScreen = screen();
      const analyze = oomtop('analyze');
      return { big: BIG, cg, slice, endedMs, ...result, oomctl, stat, pressure, journalJson, journalText, managerJson, tuiLine, tuiScreen, analyze, totalMs: Date.now() - t0 };
    } finally {
      try {
        tmux('kill-server');
      } catch { /* gone */ }
      spawnSync('systemctl', ['stop', UNIT]);
      spawnSync('systemctl', ['reset-failed', UNIT]);
    }
  },

  /**
   * The reader's path with the journal as the source, when systemd-oomd did not kill: a
   * message in systemd-oomd's exact format written to the journal under its identifier
   * (systemd-cat -t systemd-oomd), live in the TUI's event log.
   */
  async oomdjournal() {
    tmux('new-session', '-d', '-s', 'vm', '-x', '160', '-y', '45', '-e', 'TERM=xterm-256color', `${process.execPath} ${OOMTOP} --interval 1`);
    try {
      await until(() => /PID\s+USER|PID SCORE/.test(screen()), 60_000, 'the first frame');
      await sleep(1500);
      const msg = 'Killed /system.slice/oomtop-journal-demo.service due to memory pressure for /system.slice being 42.17% > 10.00% for > 2s with reclaim activity';
      sh(`echo ${JSON.stringify(msg)} | systemd-cat -t systemd-oomd -p notice`);
      await until(() => flat(screen()).includes('systemd-oomd killed /system.slice/oomtop-journal-demo.service'), 30_000, 'the line in the TUI').catch(() => {});
      const json = sh('journalctl -b -o json --no-pager SYSLOG_IDENTIFIER=systemd-oomd | grep oomtop-journal-demo || true');
      return { tuiLine: screen().split('\n').find((l) => l.includes('oom-kill systemd-oomd killed')) ?? null, tuiScreen: screen(), json };
    } finally {
      try {
        tmux('kill-server');
      } catch { /* gone */ }
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
rmSync(CONF, { force: true });
rmSync(`/etc/systemd/system/${SLICE}`, { force: true });
spawnSync('systemctl', ['daemon-reload']);
process.exit(failed ? 1 : 0);
