/**
 * Root-safe files (src/actions/trust.ts), with a real unprivileged user planting the files:
 * `nobody` (created as oomtop-fuzz-nobody when the machine has none), through runuser.
 * Every file lives in a fresh directory under /tmp, removed afterwards.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRootCommand, checkRootSafe, checkStateDir, prepareStateDir, readStateFile, writeStateFile } from '../../src/actions/trust.js';
import { runHook } from '../../src/guard/hooks.js';
import { recoverStale } from '../../src/guard/intercept.js';
import { loadRules } from '../../src/rules/load.js';

const isRoot = process.geteuid?.() === 0;
const repo = resolve(import.meta.dirname, '../..');
const built = existsSync(join(repo, 'dist/cli/main.js'));
let user = 'nobody';
let uid = 65534;
let gid = 65534;
let base: string;

const RULES = '[[rule]]\nname = "r"\ncomm = "^x$"\nadj = 100\n';

/** Run a shell command as the unprivileged user. */
function asUser(cmd: string): void {
  execFileSync('runuser', ['-u', user, '--', 'sh', '-c', cmd], { stdio: 'pipe' });
}

/** A directory the unprivileged user owns (it can plant anything in it). */
function userDir(name: string): string {
  const d = join(base, name);
  mkdirSync(d);
  chownSync(d, uid, gid);
  return d;
}

beforeAll(() => {
  if (!isRoot) return;
  let id = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  if (id.status !== 0) {
    user = 'oomtop-fuzz-nobody';
    id = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    if (id.status !== 0) execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
    id = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  }
  uid = Number(id.stdout.trim());
  gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
  base = mkdtempSync(join(tmpdir(), 'oomtop-trust-'));
  chmodSync(base, 0o755); // the user may look in, not write
});

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!isRoot)('root-safe rules files and hooks (a real unprivileged user plants them)', () => {
  it('reads a root-owned rules file in root-owned directories', () => {
    const f = join(base, 'good.toml');
    writeFileSync(f, RULES, { mode: 0o644 });
    const r = loadRules(f);
    expect(r.ok).toBe(true);
  });

  it('refuses a rules file the user wrote, naming the owner and the fix', () => {
    const d = userDir('u1');
    asUser(`printf '%s' '${RULES}' > ${d}/rules.toml`);
    const r = loadRules(join(d, 'rules.toml'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // The first weak link from "/" down: the directory the user owns.
    expect(r.messages).toEqual([`rules file ${d}/rules.toml refused: ${d} is owned by uid ${uid}, not root; as root, oomtop reads or runs a file only when it and every directory above it are owned by root and writable by no one else (as sudo does); fix: chown root, chmod go-w`]);
  });

  it('refuses a root-owned file in a directory the user owns (it could swap the file)', () => {
    const d = userDir('u2');
    writeFileSync(join(d, 'rules.toml'), RULES);
    const r = loadRules(join(d, 'rules.toml'));
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toContain(`${d} is owned by uid ${uid}, not root`);
  });

  it('refuses a file the user owns in a root directory, and one writable by its group or by everyone', () => {
    const d = join(base, 'r1');
    mkdirSync(d);
    const owned = join(d, 'owned.toml');
    writeFileSync(owned, RULES);
    chownSync(owned, uid, 0);
    expect(checkRootSafe(owned, 'rules file')).toEqual({ ok: false, message: expect.stringContaining(`${owned} is owned by uid ${uid}, not root`) });
    const group = join(d, 'group.toml');
    writeFileSync(group, RULES);
    chownSync(group, 0, gid);
    chmodSync(group, 0o664);
    expect(checkRootSafe(group, 'rules file')).toEqual({ ok: false, message: expect.stringContaining(`${group} is writable by group ${gid}`) });
    chownSync(group, 0, 0); // root's own group may write, as for sudoers
    expect(checkRootSafe(group, 'rules file')).toEqual({ ok: true });
    const world = join(d, 'world.toml');
    writeFileSync(world, RULES);
    chmodSync(world, 0o666);
    expect(checkRootSafe(world, 'rules file')).toEqual({ ok: false, message: expect.stringContaining(`${world} is writable by everyone`) });
  });

  it('a sticky world-writable directory (like /tmp): a root-owned file is fine, a symlink the user planted is not', () => {
    const sticky = join(base, 'sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    const good = join(sticky, 'root.toml');
    writeFileSync(good, RULES, { mode: 0o644 });
    expect(loadRules(good).ok).toBe(true);
    // The link points at a good file: the user still chose which file root reads.
    asUser(`ln -s ${good} ${sticky}/link.toml`);
    expect(lstatSync(join(sticky, 'link.toml')).uid).toBe(uid);
    const r = loadRules(join(sticky, 'link.toml'));
    expect(JSON.stringify(r)).toContain(`${sticky}/link.toml is a symlink owned by uid ${uid}, not root`);
    // A root-owned symlink to a good file is followed and the target checked.
    symlinkSync(good, join(sticky, 'rootlink.toml'));
    expect(loadRules(join(sticky, 'rootlink.toml')).ok).toBe(true);
    const bad = userDir('u3');
    asUser(`printf x > ${bad}/t.toml`);
    symlinkSync(join(bad, 't.toml'), join(sticky, 'rootlink-bad.toml'));
    expect(JSON.stringify(loadRules(join(sticky, 'rootlink-bad.toml')))).toContain(`${bad} is owned by uid ${uid}`);
  });

  it('a FIFO planted as the rules file neither hangs the read nor is read', () => {
    const d = userDir('u-fifo');
    asUser(`mkfifo ${d}/rules.toml`);
    expect(loadRules(join(d, 'rules.toml'))).toEqual({ ok: false, messages: [`rules file ${d}/rules.toml refused: not a regular file`] });
  });

  it('a non-root oomtop checks nothing: the user acts with its own rights', () => {
    const d = userDir('u4');
    asUser(`printf '%s' '${RULES}' > ${d}/rules.toml`);
    expect(loadRules(join(d, 'rules.toml'), { euid: uid }).ok).toBe(true);
    expect(checkRootCommand(`${d}/rules.toml`, 'hook', { euid: uid })).toEqual({ ok: true });
  });

  it('hook commands: the program (first word, or found in PATH) must be root-safe', () => {
    const d = userDir('u5');
    asUser(`printf '#!/bin/sh\\ntouch ${d}/ran\\n' > ${d}/hook.sh && chmod 755 ${d}/hook.sh`);
    expect(checkRootCommand(`${d}/hook.sh --flag`, 'pre-kill hook')).toEqual({ ok: false, message: expect.stringContaining(`pre-kill hook program ${d}/hook.sh refused: ${d} is owned by uid ${uid}, not root`) });
    expect(checkRootCommand(`FOO=1 '${d}/hook.sh'`, 'hook').ok).toBe(false);
    expect(checkRootCommand('sleep 0.5', 'hook')).toEqual({ ok: true });
    expect(checkRootCommand('echo "$OOMTOP_NAME" >> /tmp/x', 'hook')).toEqual({ ok: true });
    // A PATH directory the user owns: the program found there is refused.
    asUser(`printf '#!/bin/sh\\n' > ${d}/oomtop-test-prog && chmod 755 ${d}/oomtop-test-prog`);
    expect(checkRootCommand('oomtop-test-prog', 'hook', { path: `${d}:/usr/bin` }).ok).toBe(false);
    expect(checkRootCommand('oomtop-no-such-program-here', 'hook')).toEqual({ ok: false, message: 'hook refused: oomtop-no-such-program-here is not found in PATH (give its full path)' });
  });

  it('runHook checks on every run: a hook the user can write never runs as root', async () => {
    const d = userDir('u6');
    asUser(`printf '#!/bin/sh\\ntouch ${d}/ran\\n' > ${d}/hook.sh && chmod 755 ${d}/hook.sh`);
    const r = await runHook(`${d}/hook.sh`, {}, 5000);
    expect(r.code).toBeNull();
    expect(r.error).toContain('refused');
    expect(existsSync(join(d, 'ran'))).toBe(false);
    // The same script, root's in a root directory, runs.
    const ok = join(base, 'r-hook.sh');
    writeFileSync(ok, `#!/bin/sh\ntouch ${base}/ran-ok\n`, { mode: 0o755 });
    expect((await runHook(ok, {}, 5000)).code).toBe(0);
    expect(existsSync(join(base, 'ran-ok'))).toBe(true);
  });

  it.skipIf(!built)('oomtop guard refuses such a hook at start (exit 2, one line), and rules check such a file', () => {
    const d = userDir('u7');
    asUser(`printf '#!/bin/sh\\n' > ${d}/hook.sh && chmod 755 ${d}/hook.sh && printf '%s' '${RULES}' > ${d}/rules.toml`);
    const g = spawnSync('node', [join(repo, 'bin/oomtop.js'), 'guard', '--dry-run', '--pre-kill', `${d}/hook.sh`], { encoding: 'utf8', timeout: 20_000 });
    expect(g.status).toBe(2);
    expect(g.stderr).toBe(`oomtop guard: --pre-kill hook program ${d}/hook.sh refused: ${d} is owned by uid ${uid}, not root; as root, oomtop reads or runs a file only when it and every directory above it are owned by root and writable by no one else (as sudo does); fix: chown root, chmod go-w\n`);
    // A level handler is a program root runs too: the same check at start.
    const h = spawnSync('node', [join(repo, 'bin/oomtop.js'), 'guard', '--dry-run', '--on-level', `high=${d}/hook.sh --now`], { encoding: 'utf8', timeout: 20_000 });
    expect(h.status).toBe(2);
    expect(h.stderr).toContain(`oomtop guard: --on-level high handler program ${d}/hook.sh refused: ${d} is owned by uid ${uid}, not root`);
    const c = spawnSync('node', [join(repo, 'bin/oomtop.js'), 'rules', 'check', `${d}/rules.toml`], { encoding: 'utf8', timeout: 20_000 });
    expect(c.status).not.toBe(0);
    expect(c.stderr).toContain(`rules file ${d}/rules.toml refused: ${d} is owned by uid ${uid}, not root`);
  });
});

describe.skipIf(!isRoot)('the guard state directory: owner-only, no planted symlink or directory', () => {
  it('creates it 0700 and its files 0600, renamed into place', () => {
    const dir = join(base, 'state-new', 'oomtop');
    expect(prepareStateDir(dir)).toEqual({ ok: true });
    expect(statSync(dir).mode & 0o7777).toBe(0o700);
    writeStateFile(dir, 'guard-1.json', '{"a":1}\n');
    expect(statSync(join(dir, 'guard-1.json')).mode & 0o7777).toBe(0o600);
    expect(readStateFile(dir, 'guard-1.json')).toBe('{"a":1}\n');
  });

  it('refuses a symlink planted where the directory should be, and reads nothing through it', () => {
    const sticky = join(base, 'run');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    const target = userDir('u-target');
    asUser(`ln -s ${target} ${sticky}/oomtop && printf '{"pid":99999999,"startTimeTicks":1,"dirs":["${target}"]}' > ${target}/guard-99999999.json`);
    const dir = join(sticky, 'oomtop');
    expect(prepareStateDir(dir)).toEqual({ ok: false, message: `state directory ${dir} is a symlink (planted?): refused; remove it` });
    expect(recoverStale(dir, '/proc')).toEqual([]);
    expect(existsSync(join(target, 'guard-99999999.json'))).toBe(true); // nothing read or removed
  });

  it('refuses a directory someone else owns or can write', () => {
    const theirs = userDir('u-state');
    expect(checkStateDir(theirs)).toEqual({ ok: false, message: `state directory ${theirs} is owned by uid ${uid}, not by this user (uid 0): refused; remove it` });
    const open = join(base, 'open-state');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(checkStateDir(open).ok).toBe(false);
    const loose = join(base, 'loose-state');
    mkdirSync(loose);
    chmodSync(loose, 0o755);
    expect(checkStateDir(loose)).toEqual({ ok: true });
    expect(statSync(loose).mode & 0o7777).toBe(0o700); // tightened
  });

  it('writes a state file by rename, never through a symlink, and reads only files this user owns', () => {
    const dir = join(base, 'state-links');
    prepareStateDir(dir);
    const victim = join(base, 'victim.txt');
    writeFileSync(victim, 'keep\n');
    symlinkSync(victim, join(dir, 'guard-2.json'));
    writeStateFile(dir, 'guard-2.json', '{"b":2}\n');
    expect(readFileSync(victim, 'utf8')).toBe('keep\n');
    expect(lstatSync(join(dir, 'guard-2.json')).isSymbolicLink()).toBe(false);
    symlinkSync(victim, join(dir, 'guard-3.json'));
    expect(readStateFile(dir, 'guard-3.json')).toBeNull(); // O_NOFOLLOW
    writeFileSync(join(dir, 'guard-4.json'), '{}\n');
    chownSync(join(dir, 'guard-4.json'), uid, gid);
    expect(readStateFile(dir, 'guard-4.json')).toBeNull();
  });
});
