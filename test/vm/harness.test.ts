import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DRIVER, PROJECT, runVm, tempOut, vmSkipReason } from './vm.js';

// The harness itself (scripts/vm/vm.mjs): usage errors, and real boots showing that the
// command's status comes back, that output streams while the guest runs, that the guest has
// cgroup v2 with +memory at its root, and that a guest that never reports gets a clear message.

describe('npm run vm: usage', () => {
  it('rejects a bad option or a missing command with a message and exit 2, without booting', () => {
    for (const args of [['--timeout', 'soon', 'true'], ['--bogus', 'true'], [], ['echo', 'two words']]) {
      const r = spawnSync(process.execPath, [DRIVER, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^vm: .+\nusage: npm run vm/);
    }
  });
});

const skip = vmSkipReason();
if (skip) console.log(`vm harness boots skipped: ${skip}`);

describe.skipIf(skip !== null)('npm run vm: boots', () => {
  const out = tempOut();
  afterAll(() => out.remove());

  it('streams stdout and stderr while the guest runs, in the checkout, as root, on cgroup v2 with +memory; passes the exit status through', async () => {
    const go = join(out.dir, 'go');
    let released = false;
    const cmd = [
      'echo ready; echo to-stderr >&2',
      // the guest waits until the host has seen "ready" (so output cannot have been held to the end)
      `for i in $(seq 600); do [ -e "$OOMTOP_VM_OUT/go" ] && break; sleep 0.2; done; [ -e "$OOMTOP_VM_OUT/go" ] && echo released`,
      'echo "cwd=$(pwd) uid=$(id -u) fs=$(stat -fc %T /sys/fs/cgroup) subtree=$(cat /sys/fs/cgroup/cgroup.subtree_control)"',
      'exit 201',
    ].join('\n');
    const r = await runVm(cmd, {
      out: out.dir,
      onStdout: (s) => {
        if (!released && s.includes('ready\n')) {
          released = true;
          writeFileSync(go, '');
        }
      },
    });
    expect(r.stderr).toContain('to-stderr\n');
    expect(r.stdout).toMatch(/^ready\nreleased\n/);
    expect(r.stdout).toContain(`cwd=${PROJECT.replace(/\/$/, '')} uid=0 fs=cgroup2fs subtree=memory`);
    expect(r.code).toBe(201);
    expect(existsSync(join(out.dir, 'console.log'))).toBe(true);
  }, 600_000);

  it('says so and exits 124 when the guest does not report within --timeout', async () => {
    const r = await runVm('sleep 1000', { timeoutS: 3 });
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/vm: the guest did not report within 3 s \(qemu killed\)\. Last lines of its console:\n {2}\| /);
  }, 120_000);
});

const skipSystemd = skip ?? vmSkipReason(true);
if (skipSystemd && !skip) console.log(`vm harness --systemd boot skipped: ${skipSystemd}`);

describe.skipIf(skipSystemd !== null)('npm run vm -- --systemd', () => {
  it('runs the command as a unit after basic.target with journald and systemd-oomd active, and passes its status through', async () => {
    const r = await runVm(
      [
        'systemctl is-active systemd-oomd systemd-journald basic.target',
        'cat /proc/self/cgroup; cat /proc/1/comm',
        'echo "subtree=$(cat /sys/fs/cgroup/cgroup.subtree_control)"',
        'exit 5',
      ].join('\n'),
      { systemd: true },
    );
    expect(r.stdout).toBe('active\nactive\nactive\n0::/system.slice/oomtop-vm.service\nsystemd\n' + r.stdout.slice(r.stdout.indexOf('subtree=')));
    expect(r.stdout).toMatch(/subtree=.*\bmemory\b/);
    expect(r.code).toBe(5);
  }, 600_000);
});
