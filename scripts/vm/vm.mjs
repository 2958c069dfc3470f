#!/usr/bin/env node
// A cgroup v2 (+ optionally systemd) guest under QEMU for oomtop's tests and for anyone who
// wants to try a command there:
//
//   npm run vm -- [--systemd] [options] 'SHELL COMMAND'
//
// The guest boots Debian's kernel directly (no disk image): a busybox initramfs mounts the
// host's root read-only over virtio-9p with a tmpfs overlay on top, so the guest runs the
// host's node and this checkout. The command runs as root in the checkout, with cgroup v2 at
// /sys/fs/cgroup and +memory enabled at its root; with --systemd, systemd is PID 1 and the
// command is a unit started after basic.target, with journald and systemd-oomd running.
// Its stdout and stderr stream to ours (two serial ports), and we exit with its status.
//
// What it needs is fetched on first use into a cache directory ($OOMTOP_VM_CACHE, else
// ~/.cache/oomtop-vm): qemu-system-x86 is installed from Debian (as root, when missing);
// the kernel, busybox-static and systemd-oomd packages are only downloaded (apt-get
// download) and unpacked there, never installed. The kernel version is the one Debian's
// linux-image-amd64 depends on today; the initramfs is rebuilt only when its inputs change.
//
// Exit status: the command's; 124 when the guest did not report within --timeout; 125 when
// qemu ended without a report (a guest crash or panic); 77 when the VM cannot run here
// (what is missing is printed); 2 for a usage error. See README.md, "cgroup v2 and systemd,
// tested in a guest VM".
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync, constants, cpSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync,
  readFileSync, readdirSync, renameSync, rmSync, writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants as zc } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const GUEST = join(HERE, 'guest');

export const EXIT_TIMEOUT = 124;
export const EXIT_NO_REPORT = 125;
export const EXIT_UNAVAILABLE = 77;

/** Modules the initramfs loads, in dependency order (insmod, no modules.dep needed). */
const MODULES = [
  'drivers/virtio/virtio_ring', 'drivers/virtio/virtio', 'drivers/virtio/virtio_pci_modern_dev',
  'drivers/virtio/virtio_pci_legacy_dev', 'drivers/virtio/virtio_pci', 'net/9p/9pnet', 'net/9p/9pnet_virtio',
  'fs/netfs/netfs', 'fs/fscache/fscache', 'fs/9p/9p', 'fs/overlayfs/overlay',
];

class Unavailable extends Error {}

const log = (msg) => process.stderr.write(`vm: ${msg}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return { ok: r.status === 0, status: r.status, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

const have = (cmd) => run('sh', ['-c', `command -v ${cmd}`]).ok;
const isRoot = () => process.getuid?.() === 0;

export function cacheDir() {
  if (process.env.OOMTOP_VM_CACHE) return resolve(process.env.OOMTOP_VM_CACHE);
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'oomtop-vm');
}

let aptUpdated = false;
function aptUpdate() {
  if (aptUpdated || !isRoot()) return;
  aptUpdated = true;
  log('apt-get update');
  run('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function ensureQemu() {
  if (have('qemu-system-x86_64')) return;
  if (!isRoot() || !have('apt-get')) throw new Unavailable('qemu-system-x86_64 is not installed (apt-get install qemu-system-x86), and I cannot install it (not root, or no apt-get)');
  aptUpdate();
  log('installing qemu-system-x86 from Debian');
  const r = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'qemu-system-x86'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (!r.ok || !have('qemu-system-x86_64')) throw new Unavailable(`apt-get install qemu-system-x86 failed: ${r.err.trim().split('\n').slice(-3).join(' | ')}`);
}

/** The version of the package Debian's linux-image-amd64 depends on, e.g. 6.1.0-57-amd64. */
function kernelVersion() {
  const ask = () => /Depends:\s*linux-image-(\S+-amd64)/.exec(run('apt-cache', ['depends', 'linux-image-amd64']).out)?.[1];
  let v = have('apt-cache') ? ask() : undefined;
  if (!v && have('apt-cache')) {
    aptUpdate();
    v = ask();
  }
  if (v) return v;
  // No package index: use a kernel already in the cache, if any.
  const cached = existsSync(cacheDir()) ? readdirSync(cacheDir()).map((n) => /^vmlinux-(.+)$/.exec(n)?.[1]).filter(Boolean).sort() : [];
  if (cached.length > 0) return cached[cached.length - 1];
  throw new Unavailable('cannot find the kernel version: apt-cache depends linux-image-amd64 gave nothing (no Debian package index?)');
}

/** apt-get download PKG (unless a .deb of it is cached) and unpack it into DIR; returns DIR. */
function fetchDeb(pkg, version, dir) {
  if (existsSync(join(dir, '.done'))) return dir;
  const debs = join(cacheDir(), 'debs');
  mkdirSync(debs, { recursive: true });
  const name = pkg.replace(/=.*/, '');
  const find = () => readdirSync(debs).find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb') && (!version || f.includes(`_${version.replace(/:/g, '%3a')}_`)));
  let deb = find();
  if (!deb) {
    if (!have('apt-get')) throw new Unavailable(`apt-get is needed to download ${pkg}`);
    log(`apt-get download ${pkg}${version ? `=${version}` : ''}`);
    const spec = version ? `${pkg}=${version}` : pkg;
    let r = run('apt-get', ['download', '-qq', spec], { cwd: debs });
    if (!r.ok) {
      aptUpdate();
      r = run('apt-get', ['download', '-qq', spec], { cwd: debs });
    }
    deb = find();
    if (!r.ok || !deb) throw new Unavailable(`apt-get download ${spec} failed: ${r.err.trim().split('\n').slice(-2).join(' | ')}`);
  }
  rmSync(dir, { recursive: true, force: true });
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const r = run('dpkg-deb', ['-x', join(debs, deb), tmp]);
  if (!r.ok) throw new Unavailable(`dpkg-deb -x ${deb} failed: ${r.err.trim()}`);
  writeFileSync(join(tmp, '.done'), `${deb}\n`);
  renameSync(tmp, dir);
  return dir;
}

/** An uncompressed ELF vmlinux (PVH boot skips the in-guest xz decompressor: ~3 s under TCG). */
function vmlinux(kver, kroot) {
  const out = join(cacheDir(), `vmlinux-${kver}`);
  if (existsSync(out)) return out;
  const z = join(kroot, 'boot', `vmlinuz-${kver}`);
  if (!have('xz')) return z; // boots too, only slower
  const img = readFileSync(z);
  const at = img.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  if (at < 0) return z;
  // xz stops at the end of its stream and warns about the trailing bytes; the output is whole.
  const r = spawnSync('xz', ['-dc', '--single-stream'], { input: img.subarray(at), maxBuffer: 1 << 30 });
  if (!r.stdout || r.stdout.length < 1 << 20 || r.stdout.subarray(0, 4).toString('latin1') !== '\x7fELF') return z;
  writeFileSync(`${out}.tmp`, r.stdout);
  renameSync(`${out}.tmp`, out);
  return out;
}

/** A newc cpio archive of the given entries (name, mode, data?) — what the kernel unpacks. */
function cpio(entries) {
  const parts = [];
  let ino = 1;
  const hex = (n) => n.toString(16).padStart(8, '0');
  const pad = (n) => Buffer.alloc((4 - (n % 4)) % 4);
  for (const e of [...entries, { name: 'TRAILER!!!', mode: 0, data: Buffer.alloc(0) }]) {
    const data = e.data ?? Buffer.alloc(0);
    const name = Buffer.from(`${e.name}\0`);
    const hdr = '070701' + [ino++, e.mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0].map(hex).join('');
    parts.push(Buffer.from(hdr), name, pad(110 + name.length), data, pad(data.length));
  }
  return Buffer.concat(parts);
}

function initramfs(kver, kroot, bbroot) {
  const init = readFileSync(join(GUEST, 'init'));
  const busybox = readFileSync(join(bbroot, 'bin', 'busybox'));
  const mods = MODULES.map((m) => ({ name: m.split('/').pop() + '.ko', data: readFileSync(join(kroot, 'lib/modules', kver, 'kernel', `${m}.ko`)) }));
  const key = createHash('sha256').update(kver).update(init).update(busybox);
  for (const m of mods) key.update(m.name).update(m.data);
  const out = join(cacheDir(), `initramfs-${kver}-${key.digest('hex').slice(0, 12)}.cpio.gz`);
  if (existsSync(out)) return out;
  const D = 0o040755, F = 0o100644, X = 0o100755, L = 0o120777;
  const entries = [
    ...['bin', 'dev', 'proc', 'sys', 'ro', 'rw', 'out', 'newroot', 'lib', 'lib/modules', `lib/modules/${kver}`].map((name) => ({ name, mode: D })),
    { name: 'bin/busybox', mode: X, data: busybox },
    { name: 'bin/sh', mode: L, data: Buffer.from('busybox') },
    { name: 'init', mode: X, data: init },
    { name: 'modules.order', mode: F, data: Buffer.from(mods.map((m) => m.name).join('\n') + '\n') },
    ...mods.map((m) => ({ name: `lib/modules/${kver}/${m.name}`, mode: F, data: m.data })),
  ];
  writeFileSync(`${out}.tmp`, gzipSync(cpio(entries), { level: zc.Z_BEST_SPEED }));
  renameSync(`${out}.tmp`, out);
  return out;
}

/** Everything a boot needs, fetched or built as required. Throws Unavailable with the reason. */
export function prepare({ systemd = false } = {}) {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Unavailable(`needs Linux on x86-64 (this is ${process.platform}/${process.arch})`);
  ensureQemu();
  if (!have('dpkg-deb')) throw new Unavailable('dpkg-deb is needed to unpack the Debian packages');
  mkdirSync(cacheDir(), { recursive: true });
  const kver = kernelVersion();
  const kroot = fetchDeb(`linux-image-${kver}`, null, join(cacheDir(), `kernel-${kver}`));
  const bbroot = fetchDeb('busybox-static', null, join(cacheDir(), 'busybox-static'));
  const p = { kver, kernel: vmlinux(kver, kroot), initrd: initramfs(kver, kroot, bbroot), oomd: null };
  if (systemd) {
    if (!existsSync('/lib/systemd/systemd')) throw new Unavailable('--systemd needs systemd on the host root (the guest runs the host\'s /lib/systemd/systemd)');
    const sv = run('dpkg-query', ['-W', '-f=${Version}', 'systemd']).out.trim();
    if (!sv) throw new Unavailable('cannot tell the host\'s systemd version (dpkg-query -W systemd)');
    const dir = join(cacheDir(), `systemd-oomd-${sv.replace(/[^A-Za-z0-9.+~-]/g, '_')}-r2`);
    if (!existsSync(join(dir, '.done'))) {
      fetchDeb('systemd-oomd', sv, dir);
      // Debian 12 ships it under /lib; the guest's /lib is /usr/lib on a merged-/usr host.
      if (existsSync(join(dir, 'lib'))) {
        cpSync(join(dir, 'lib'), join(dir, 'usr/lib'), { recursive: true });
        rmSync(join(dir, 'lib'), { recursive: true });
      }
      // keep usr/share/dbus-1 (oomctl talks to it over D-Bus), drop the documentation
      for (const d of ['doc', 'man', 'lintian', 'zsh', 'bash-completion']) rmSync(join(dir, 'usr/share', d), { recursive: true, force: true });
    }
    p.oomd = dir;
  }
  return p;
}

const USAGE = `usage: npm run vm -- [--systemd] [--timeout SEC] [--mem MiB] [--cpus N] [--out DIR] [--verbose] 'SHELL COMMAND'
       npm run vm -- --prepare [--systemd]     fetch and build what a boot needs, then exit
Runs the command as root inside a cgroup v2 guest, in the current directory (the checkout under npm run);
exits with its status.
  --systemd       systemd as PID 1; the command is a unit after basic.target (journald, systemd-oomd up)
  --timeout SEC   give up when the guest has not reported within SEC seconds (default 600): exit 124
  --mem MiB       guest memory (default 2048)      --cpus N   guest CPUs (default 2)
  --out DIR       the directory shared with the guest at $OOMTOP_VM_OUT (/mnt/vmout), kept afterwards
                  (default: a temporary one, removed)
  --verbose       copy the guest's kernel console to stderr, prefixed "console: "`;

export function parseArgs(argv) {
  const o = { systemd: false, timeout: 600, mem: 2048, cpus: 2, out: null, verbose: false, prepare: false, command: null };
  const num = (name, v, min) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) throw new Error(`${name} needs a number >= ${min}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    return n;
  };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (rest.length > 0 || !a.startsWith('--')) rest.push(a);
    else if (a === '--systemd') o.systemd = true;
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--prepare') o.prepare = true;
    else if (a === '--timeout') o.timeout = num(a, argv[++i], 1);
    else if (a === '--mem') o.mem = Math.round(num(a, argv[++i], 256));
    else if (a === '--cpus') o.cpus = Math.round(num(a, argv[++i], 1));
    else if (a === '--out') {
      if (!argv[i + 1]) throw new Error('--out needs a directory');
      o.out = resolve(argv[++i]);
    } else if (a === '--help' || a === '-h') {
      o.help = true;
    } else throw new Error(`unknown option ${a}`);
  }
  if (rest.length > 1) throw new Error('give the command as one argument (quote it)');
  o.command = rest[0] ?? null;
  if (!o.command && !o.prepare && !o.help) throw new Error('no command given');
  return o;
}

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** Boot, run, stream; resolves to the exit status. */
export async function boot(o, p) {
  const keep = o.out !== null;
  const out = o.out ?? mkdtempSync(join(tmpdir(), 'oomtop-vm-'));
  mkdirSync(out, { recursive: true });
  for (const f of ['status', 'console.log']) rmSync(join(out, f), { force: true });
  // The guest's init and runner read their settings from the shared directory (no quoting
  // through the kernel command line).
  writeFileSync(join(out, 'vm.env'), [
    `VM_MODE=${o.systemd ? 'systemd' : 'cmd'}`, `VM_GUEST=${shq(GUEST)}`, `VM_CWD=${shq(process.cwd())}`,
    `VM_OOMD=${shq(p.oomd ?? '')}`, `VM_KERNEL=${shq(p.kernel)}`, '',
  ].join('\n'));
  writeFileSync(join(out, 'cmd'), o.command);
  const fifos = mkdtempSync(join(tmpdir(), 'oomtop-vm-fifo-'));
  for (const f of ['console', 'stdout', 'stderr']) {
    const m = run('mkfifo', [join(fifos, f)]);
    if (!m.ok) throw new Error(`mkfifo: ${m.err}`);
  }
  const append = ['console=ttyS0', 'loglevel=4', 'panic=-1', 'oops=panic', 'rdinit=/init', 'quiet'];
  if (o.systemd) append.push('systemd.unit=oomtop-vm.target', 'systemd.show_status=0');
  const args = [
    '-accel', 'tcg,thread=multi', '-cpu', 'max', '-M', 'q35', '-m', String(o.mem), '-smp', String(o.cpus),
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', '-monitor', 'none',
    '-kernel', p.kernel, '-initrd', p.initrd, '-append', append.join(' '),
    // ttyS0 the kernel console, ttyS1 the command's stdout, ttyS2 its stderr (FIFOs we read).
    ...['console', 'stdout', 'stderr'].flatMap((f) => ['-serial', `file:${join(fifos, f)}`]),
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${out},mount_tag=vmout,security_model=none`,
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
  ];
  const streams = ['console', 'stdout', 'stderr'].map((f) => createReadStream(join(fifos, f)));
  const drained = Promise.all(streams.map((s) => new Promise((res) => s.on('close', res).on('error', res))));
  const qemu = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const consoleLog = createWriteStream(join(out, 'console.log'));
  let tail = '';
  streams[1].pipe(process.stdout, { end: false });
  streams[2].pipe(process.stderr, { end: false });
  let cbuf = '';
  streams[0].on('data', (d) => {
    consoleLog.write(d);
    tail = (tail + d.toString('utf8')).slice(-4000);
    if (o.verbose) {
      cbuf += d.toString('utf8');
      const lines = cbuf.split('\n');
      cbuf = lines.pop();
      for (const l of lines) process.stderr.write(`console: ${l.replace(/\r$/, '')}\n`);
    }
  });
  for (const s of [qemu.stdout, qemu.stderr]) s.on('data', (d) => process.stderr.write(`qemu: ${d}`));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    qemu.kill('SIGKILL');
  }, o.timeout * 1000);
  const onSignal = (sig) => qemu.kill(sig === 'SIGINT' ? 'SIGTERM' : sig);
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const closed = new Promise((res) => qemu.on('close', (code, sig) => res({ code, sig })));
  const spawnErr = new Promise((res) => qemu.on('error', (e) => res(e)));
  const r = await Promise.race([closed, spawnErr]);
  clearTimeout(timer);
  // qemu is gone; a FIFO it never opened (it failed early) would block its reader's open
  // forever: open and close each one for writing, which ends any such reader with EOF.
  for (const f of ['console', 'stdout', 'stderr']) {
    try {
      closeSync(openSync(join(fifos, f), constants.O_WRONLY | constants.O_NONBLOCK));
    } catch { /* ENXIO: no reader any more */ }
  }
  await Promise.race([drained, new Promise((res) => setTimeout(res, 3000).unref())]);
  for (const s of streams) s.destroy();
  rmSync(fifos, { recursive: true, force: true });
  process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  await new Promise((res) => consoleLog.end(res));
  let status = null;
  try {
    const s = readFileSync(join(out, 'status'), 'utf8').trim();
    if (/^\d+$/.test(s)) status = Number(s);
  } catch { /* no report */ }
  const lastLines = () => tail.replace(/\r/g, '').trimEnd().split('\n').slice(-15).map((l) => `  | ${l}`).join('\n');
  let rc;
  if (r instanceof Error) {
    log(`cannot start qemu-system-x86_64: ${r.message}`);
    rc = EXIT_UNAVAILABLE;
  } else if (status !== null) {
    rc = status;
  } else if (timedOut) {
    log(`the guest did not report within ${o.timeout} s (qemu killed). Last lines of its console:\n${lastLines() || '  | (nothing)'}`);
    rc = EXIT_TIMEOUT;
  } else {
    log(`the guest ended without reporting the command's status (qemu ${r.sig ? `signal ${r.sig}` : `exit ${r.code}`}). Last lines of its console:\n${lastLines() || '  | (nothing)'}`);
    rc = EXIT_NO_REPORT;
  }
  if (!keep) rmSync(out, { recursive: true, force: true });
  return rc;
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`vm: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let p;
  try {
    p = prepare({ systemd: o.systemd });
  } catch (e) {
    if (!(e instanceof Unavailable)) throw e;
    log(`cannot run the VM here: ${e.message}`);
    return EXIT_UNAVAILABLE;
  }
  if (o.prepare) {
    log(`ready: kernel ${p.kver}${p.oomd ? ', systemd-oomd' : ''} (cache ${cacheDir()})`);
    return 0;
  }
  return boot(o, p);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((rc) => {
    process.exitCode = rc;
  }, (e) => {
    process.stderr.write(`vm: ${e?.stack ?? e}\n`);
    process.exitCode = 1;
  });
}
