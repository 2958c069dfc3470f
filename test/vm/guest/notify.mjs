// Runs INSIDE the systemd guest (npm run vm -- --systemd), as root in the checkout:
//   node test/vm/guest/notify.mjs
// oomtop guard --notify against a real session bus: systemd's user manager for root
// (user@0.service, whose dbus.socket makes /run/user/0/bus), a small notification server on
// it (notify-server.py), and a hog in a unit with MemoryMax= that the guard ends. Writes what
// it saw to $OOMTOP_VM_OUT/notify.json for test/vm/notify.test.ts. Only the units and
// processes this script started are stopped.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = process.env.OOMTOP_VM_OUT ?? '/mnt/vmout';
const OOMTOP = join(process.cwd(), 'bin/oomtop.js');
const HOG = join(process.cwd(), 'test/guard/fixtures/hog.mjs');
const UNIT = 'oomtop-notify-hog.service';
const GOT = '/tmp/oomtop-notifications.jsonl';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd) => execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' });

async function until(pred, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (pred()) return;
    } catch (e) {
      if (e?.fatal) throw e;
    }
    await sleep(100);
  }
  throw new Error(`timed out: ${what}`);
}

const started = [];
let result;
let out = '';
try {
  sh('systemctl start user@0.service');
  await until(() => existsSync('/run/user/0/bus'), 30_000, '/run/user/0/bus');
  rmSync(GOT, { force: true });
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/0/bus', XDG_RUNTIME_DIR: '/run/user/0' };
  const server = spawn('/usr/bin/python3', [join(process.cwd(), 'test/vm/guest/notify-server.py'), GOT], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  started.push(server);
  await until(() => existsSync(GOT + '.ready'), 60_000, 'the notification server');

  // The hog fills slowly (the guest is slow anyway): the guard sees the levels rise, then ends it.
  // It starts allocating once the guard runs (/tmp/oomtop-notify-go), or the kernel might be first.
  rmSync('/tmp/oomtop-notify-go', { force: true });
  sh(`systemd-run --unit ${UNIT} -p MemoryMax=160M -p MemorySwapMax=0 /bin/sh -c 'while [ ! -e /tmp/oomtop-notify-go ]; do sleep 0.2; done; exec ${process.execPath} ${HOG} --rate 20'`);
  let cgroup = '';
  await until(() => {
    cgroup = sh(`systemctl show -P ControlGroup ${UNIT}`).trim();
    return cgroup !== '' && existsSync(`/sys/fs/cgroup${cgroup}/memory.current`);
  }, 30_000, `${UNIT}'s memory cgroup (${sh(`systemctl show -P ActiveState ${UNIT}`).trim()})`);
  const guard = spawn(process.execPath, [OOMTOP, 'guard', '--json', '--cgroup', cgroup, '--notify'], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(guard);
  guard.stdout.on('data', (d) => (out += d));
  const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  await until(() => {
    if (guard.exitCode !== null) throw Object.assign(new Error(`the guard exited ${guard.exitCode}`), { fatal: true });
    return lines().some((e) => e.event === 'start');
  }, 60_000, 'the guard starting');
  writeFileSync('/tmp/oomtop-notify-go', '');
  await until(() => {
    if (guard.exitCode !== null) throw Object.assign(new Error(`the guard exited ${guard.exitCode}`), { fatal: true });
    return lines().some((e) => e.event === 'term' || e.event === 'kill');
  }, 120_000, 'the guard acting');
  const got = () => (existsSync(GOT) ? readFileSync(GOT, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  await until(() => got().some((n) => n.summary.startsWith('oomtop ended')), 30_000, 'the notification of the kill');
  guard.kill('SIGTERM');
  await new Promise((r) => guard.on('close', r));
  result = { ok: true, cgroup, events: lines(), notifications: got() };
} catch (e) {
  const got = existsSync(GOT) ? readFileSync(GOT, 'utf8') : '(no file)';
  result = { ok: false, error: String(e?.stack ?? e), guardOutput: out.slice(-4000), notifications: got };
}
writeFileSync(join(OUT, 'notify.json'), JSON.stringify(result, null, 1));
for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
spawnSync('systemctl', ['stop', UNIT]);
spawnSync('systemctl', ['reset-failed', UNIT]);
process.exit(result.ok ? 0 : 1);
