/**
 * `oomtop protect`: the drop-in's text (pure), its options, and the CLI under --root (no
 * systemd here: PID 1 is not systemd; a real-systemd scenario belongs to the VM tier).
 * The unit's processes are read from a real v1 memory cgroup standing in for its control group.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { parseProtectArgs } from '../../src/cli/protect.js';
import { dropInPath, dropInText, serviceName } from '../../src/systemd/dropin.js';
import { systemdRuns, unitPids } from '../../src/systemd/host.js';
import { killStarted, startSleeper } from '../helpers/children.js';
import { canMakeMemcg, V1_MEMORY } from '../helpers/memcg.js';
import { until } from '../helpers/wait.js';

const repo = resolve(import.meta.dirname, '../..');
const bin = resolve(repo, 'bin/oomtop.js');
const built = existsSync(resolve(repo, 'dist/cli/main.js'));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function usage(argv: string[]): string {
  try {
    parseProtectArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(argv)}`);
}

describe('serviceName', () => {
  it('adds .service, keeps templates, refuses anything that could leave the directory', () => {
    expect(serviceName('nginx')).toBe('nginx.service');
    expect(serviceName('nginx.service')).toBe('nginx.service');
    expect(serviceName('getty@tty1.service')).toBe('getty@tty1.service');
    expect(serviceName('postgresql@16-main')).toBe('postgresql@16-main.service');
    for (const bad of ['../etc/passwd', 'a/b', '..service', '.hidden', 'x\n[Service]', 'evil\x1b[2J', 'a b', '', 'x'.repeat(256), 'a@b@c']) {
      expect(serviceName(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});

describe('dropInText', () => {
  it('OOMScoreAdjust= alone, and with every option systemd documents', () => {
    const base = { unit: 'db.service', adj: -500, policy: null, managedOom: null, managedOomLimitPct: null, managedOomPreference: null };
    expect(dropInText(base)).toBe('# Written by oomtop protect; remove with: oomtop protect --unit db.service --unprotect\n[Service]\nOOMScoreAdjust=-500\n');
    expect(dropInText({ ...base, policy: 'continue', managedOom: 'kill', managedOomLimitPct: 60, managedOomPreference: 'avoid' }).split('\n').slice(1)).toEqual([
      '[Service]',
      'OOMScoreAdjust=-500',
      'OOMPolicy=continue',
      'ManagedOOMMemoryPressure=kill',
      'ManagedOOMMemoryPressureLimit=60%',
      'ManagedOOMPreference=avoid',
      '',
    ]);
    expect(dropInPath('/img', 'db.service')).toBe('/img/etc/systemd/system/db.service.d/50-oomtop.conf');
  });
});

describe('parseProtectArgs', () => {
  it('reads the options', () => {
    expect(parseProtectArgs(['--unit', 'db', '--adj', '-900', '--policy', 'kill', '--managed-oom', 'kill', '--managed-oom-limit', '50%', '--managed-oom-preference', 'omit', '--root', '/img'])).toEqual({
      help: false,
      unprotect: false,
      root: '/img',
      json: false,
      dropIn: { unit: 'db.service', adj: -900, policy: 'kill', managedOom: 'kill', managedOomLimitPct: 50, managedOomPreference: 'omit' },
    });
    expect(parseProtectArgs(['--unit', 'db', '--unprotect'])).toEqual({ help: false, unprotect: true, unit: 'db.service', root: null, json: false });
  });
  it.each([
    [[], /--unit NAME.service is required/],
    [['--unit', 'db'], /--adj N is required/],
    [['--unit', 'db', '--adj', '1001'], /^--adj: 1001 is out of range \(-1000..1000\)$/],
    [['--unit', 'db', '--adj', 'high'], /is not a whole number/],
    [['--unit', 'db', '--adj', '0', '--policy', 'panic'], /^--policy: "panic" is not one of continue, stop, kill$/],
    [['--unit', 'db', '--adj', '0', '--managed-oom-limit', '50'], /needs --managed-oom/],
    [['--unit', 'db', '--adj', '0', '--managed-oom', 'kill', '--managed-oom-limit', '150'], /out of range \(0..100\)/],
    [['--unit', 'db', '--unprotect', '--adj', '1'], /makes no sense/],
    [['--unit', '../x', '--adj', '1'], /is not a service unit name/],
    [['--unit', 'a\x1b[2J', '--adj', '1'], /^--unit: "a\\x1b\[2J" is not a service unit name/],
  ])('rejects %j with one line', (argv, re) => {
    const m = usage(argv as string[]);
    expect(m).toMatch(re);
    expect(m).not.toMatch(/[\n\x1b]/);
  });
});

describe.skipIf(!built)('oomtop protect (the CLI)', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, 'protect', ...args], { encoding: 'utf8' });

  it('--root: writes the drop-in, says unchanged the second time, --unprotect removes it', () => {
    const root = mkdtempSync(join(tmpdir(), 'oomtop-protect-'));
    dirs.push(root);
    const file = join(root, 'etc/systemd/system/db.service.d/50-oomtop.conf');
    const r = cli('--unit', 'db', '--adj', '-900', '--policy', 'continue', '--managed-oom', 'kill', '--managed-oom-preference', 'avoid', '--root', root);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(
      '# Written by oomtop protect; remove with: oomtop protect --unit db.service --unprotect\n[Service]\nOOMScoreAdjust=-900\nOOMPolicy=continue\nManagedOOMMemoryPressure=kill\nManagedOOMPreference=avoid\n',
    );
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(r.stdout).toBe(`wrote ${file}:\n  [Service]\n  OOMScoreAdjust=-900\n  OOMPolicy=continue\n  ManagedOOMMemoryPressure=kill\n  ManagedOOMPreference=avoid\n--root: nothing reloaded, no running process changed\n`);
    expect(cli('--unit', 'db.service', '--adj', '-900', '--policy', 'continue', '--managed-oom', 'kill', '--managed-oom-preference', 'avoid', '--root', root).stdout).toMatch(/^unchanged /);
    // Another value replaces it whole.
    const j = cli('--unit', 'db', '--adj', '-100', '--root', root, '--json');
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, unit: 'db.service', path: file, written: true });
    expect(readFileSync(file, 'utf8')).toMatch(/\nOOMScoreAdjust=-100\n$/);
    const u = cli('--unit', 'db', '--unprotect', '--root', root);
    expect(u.status).toBe(0);
    expect(u.stdout).toBe(`removed ${file}\n--root: nothing reloaded, no running process changed\n`);
    expect(existsSync(join(root, 'etc/systemd/system/db.service.d'))).toBe(false);
    expect(cli('--unit', 'db', '--unprotect', '--root', root).stdout).toMatch(/does not exist: nothing to remove/);
  });

  it('--unprotect keeps the directory when other drop-ins are in it', () => {
    const root = mkdtempSync(join(tmpdir(), 'oomtop-protect-'));
    dirs.push(root);
    expect(cli('--unit', 'db', '--adj', '1', '--root', root).status).toBe(0);
    writeFileSync(join(root, 'etc/systemd/system/db.service.d/10-other.conf'), '[Service]\n');
    expect(cli('--unit', 'db', '--unprotect', '--root', root).status).toBe(0);
    expect(existsSync(join(root, 'etc/systemd/system/db.service.d/10-other.conf'))).toBe(true);
  });

  it('--root that cannot be written: the reason, exit 1', () => {
    const root = mkdtempSync(join(tmpdir(), 'oomtop-protect-'));
    dirs.push(root);
    writeFileSync(join(root, 'etc'), 'a file where a directory should be');
    const r = cli('--unit', 'db', '--adj', '1', '--root', root);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^oomtop protect: cannot write .*50-oomtop.conf: (ENOTDIR|EEXIST)/);
  });

  it.skipIf(systemdRuns())('without --root and without systemd: says so and writes nothing', () => {
    const unit = `oomtop-test-${process.pid}`;
    const r = cli('--unit', unit, '--adj', '-500');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('oomtop protect: systemd is not running here (no /run/systemd/system): nothing written. Use --root DIR to write the drop-in into an image, or oomtop rules for processes without systemd.\n');
    expect(existsSync(`/etc/systemd/system/${unit}.service.d`)).toBe(false);
  });
});

describe.skipIf(!canMakeMemcg)('unitPids on a real cgroup (standing in for a unit control group)', () => {
  const made: string[] = [];
  afterEach(async () => {
    killStarted();
    for (const d of made.splice(0).reverse()) {
      await until(() => {
        try {
          rmdirSync(d);
          return true;
        } catch {
          return false;
        }
      }, 5000, `rmdir ${d}`);
    }
  });

  it('reads cgroup.procs of the group and its children', async () => {
    const name = `oomtop-unit-${process.pid}.service`;
    const dir = join(V1_MEMORY, name);
    mkdirSync(dir);
    made.push(dir);
    mkdirSync(join(dir, 'child'));
    made.push(join(dir, 'child'));
    const a = startSleeper();
    const b = startSleeper();
    writeFileSync(join(dir, 'cgroup.procs'), String(a.pid));
    writeFileSync(join(dir, 'child/cgroup.procs'), String(b.pid));
    expect(unitPids(`/memory/${name}`).sort()).toEqual([a.pid, b.pid].sort());
    expect(unitPids(`/memory/${name}/../..`)).toEqual([]);
    expect(unitPids('/memory/no-such-unit.service')).toEqual([]);
  });
});
