import { describe, expect, it } from 'vitest';
import {
  matchAlreadyExiting,
  matchGroupKill,
  matchHeader,
  matchKilled,
  matchKillSelect,
  matchMemcgCounter,
  matchNoKillable,
  matchReaped,
  matchSummary,
  matchTaskIn,
  matchTaskRow,
  matchTaskTableHeader,
  matchTriggerPid,
  matchUnableToReap,
} from '../../src/kernel/report.js';

describe('header', () => {
  it('reads 2.6.32 (oom_adj), 4.9 (nodemask) and 6.x headers, comm with spaces', () => {
    expect(matchHeader('rsyslogd invoked oom-killer: gfp_mask=0x201da, order=0, oom_adj=0, oom_score_adj=0')).toMatchObject({
      comm: 'rsyslogd', gfpMask: '0x201da', order: 0, oomAdj: 0, oomScoreAdj: 0,
    });
    expect(matchHeader('kube-apiserver invoked oom-killer: gfp_mask=0x14200ca(GFP_HIGHUSER_MOVABLE), nodemask=(null), order=0, oom_score_adj=982')).toMatchObject({
      comm: 'kube-apiserver', gfpMask: '0x14200ca(GFP_HIGHUSER_MOVABLE)', nodemask: '(null)', oomScoreAdj: 982,
    });
    expect(matchHeader('CPU 2/KVM invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=3, oom_score_adj=-250')).toMatchObject({
      comm: 'CPU 2/KVM', order: 3, oomScoreAdj: -250,
    });
    expect(matchHeader('systemd invoked something else')).toBeNull();
  });

  it('finds the trigger pid in the stack-dump banner of each era', () => {
    expect(matchTriggerPid('Pid: 1205, comm: rsyslogd Not tainted 2.6.32-431.el6.x86_64 #1')).toEqual({ pid: 1205, comm: 'rsyslogd' });
    expect(matchTriggerPid('CPU: 1 PID: 9949 Comm: java Tainted: P OE 3.10.0-327.el7.x86_64 #1')).toEqual({ pid: 9949, comm: 'java' });
    expect(matchTriggerPid('CPU: 1 UID: 0 PID: 5334 Comm: memhog Not tainted 6.18.44 #1')).toEqual({ pid: 5334, comm: 'memhog' });
    expect(matchTriggerPid('CPU: 0 PID: 5641 Comm: app Kdump: loaded Not tainted 5.4.17')).toEqual({ pid: 5641, comm: 'app' });
  });
});

describe('summary and memcg pieces', () => {
  it('reads the 4.19+ summary, memcg and global, with a comm holding commas and parens', () => {
    expect(
      matchSummary('oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0-1,oom_memcg=/a/b,task_memcg=/a/b/c,task=x, (y),pid=42,uid=1000'),
    ).toMatchObject({ constraint: 'MEMCG', oomMemcg: '/a/b', taskMemcg: '/a/b/c', task: 'x, (y)', pid: 42, uid: 1000, memsAllowed: '0-1', globalOom: false });
    expect(
      matchSummary('oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/init.scope,task=python,pid=7899,uid=0'),
    ).toMatchObject({ constraint: 'NONE', oomMemcg: null, globalOom: true, taskMemcg: '/init.scope', pid: 7899 });
    expect(matchSummary('oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,nodemask=1,cpuset=/,mems_allowed=0-1,global_oom,task_memcg=/,task=a,pid=1,uid=0')?.constraint).toBe('MEMORY_POLICY');
    expect(matchSummary('oom-kill:constraint=CONSTRAINT_CPUSET,nodemask=(null),cpuset=/x,mems_allowed=0,global_oom,task_memcg=/,task=a,pid=1,uid=0')?.constraint).toBe('CPUSET');
  });

  it('reads memcg counters and the pre-4.19 "Task in" line', () => {
    expect(matchMemcgCounter('memory: usage 65536kB, limit 65536kB, failcnt 23')).toEqual({ counter: 'memory', usageKiB: 65536, limitKiB: 65536, failcnt: 23 });
    expect(matchMemcgCounter('swap: usage 0kB, limit 0kB, failcnt 0')?.counter).toBe('swap');
    expect(matchMemcgCounter('memory+swap: usage 4kB, limit 9007199254740988kB, failcnt 0')?.limitKiB).toBe(9007199254740988);
    expect(matchTaskIn('Task in /docker/abc killed as a result of limit of /docker')).toEqual({ taskMemcg: '/docker/abc', limitMemcg: '/docker' });
  });
});

describe('task table', () => {
  it('maps rows by the header of their era, names with spaces kept', () => {
    const old = matchTaskTableHeader('[ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name')!;
    expect(matchTaskRow('[28364]     0 28364    26516       46   0       0             0 sh', old)).toMatchObject({ pid: 28364, rssPages: 46, oomScoreAdj: 0, name: 'sh' });
    const v3 = matchTaskTableHeader('[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name')!;
    expect(matchTaskRow('[ 7747]     0  7748  3226957  2875051    5692        0             0 python', v3)).toMatchObject({ tgid: 7748, rssPages: 2875051, pgtablesBytes: 5692 * 4096 });
    const v68 = matchTaskTableHeader('[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name')!;
    expect(matchTaskRow('[   5334]     0  5334    17019    16689    16320      369         0   176128        0          -998 npm start', v68)).toMatchObject({
      pid: 5334, rssPages: 16689, pgtablesBytes: 176128, oomScoreAdj: -998, name: 'npm start',
    });
    expect(matchTaskRow('[   5334]     0  5334    17019', v68)).toBeNull();
    expect(matchTaskTableHeader('[ 7747] 0 7748 1 2 3 python')).toBeNull();
  });
});

describe('kill lines', () => {
  it('reads every variant', () => {
    expect(matchKilled('Killed process 1234 (foo) vsz:1000kB, anon-rss:500kB, file-rss:20kB')).toMatchObject({ prefix: null, pid: 1234, totalVmKiB: 1000, anonRssKiB: 500, shmemRssKiB: null });
    expect(matchKilled('Killed process 28364, UID 0, (sh) total-vm:106064kB, anon-rss:180kB, file-rss:4kB')).toMatchObject({ pid: 28364, uid: 0, comm: 'sh', anonRssKiB: 180 });
    expect(matchKilled('Killed process 42452 (memcg_test_1), UID 7, total-vm:7296kB, anon-rss:96kB, file-rss:164kB, shmem-rss:0kB')).toMatchObject({ uid: 7, comm: 'memcg_test_1', shmemRssKiB: 0 });
    expect(
      matchKilled('Memory cgroup out of memory: Killed process 5334 ((sd-pam)) total-vm:68076kB, anon-rss:65280kB, file-rss:1476kB, shmem-rss:0kB, UID:1000 pgtables:172kB oom_score_adj:-17'),
    ).toMatchObject({ prefix: 'Memory cgroup out of memory', comm: '(sd-pam)', uid: 1000, pgtablesKiB: 172, oomScoreAdj: -17 });
    expect(matchKilled('Out of memory (oom_kill_allocating_task): Killed process 9 (a b) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB')).toMatchObject({
      prefix: 'Out of memory (oom_kill_allocating_task)', comm: 'a b',
    });
    expect(matchKilled('Killed process 7748 (python')).toMatchObject({ pid: 7748, comm: 'python', truncated: true });
  });

  it('does not take lookalikes or pid-truncated lines for kills', () => {
    expect(matchKilled('Killed process 4')).toBeNull();
    expect(matchKilled('earlyoom: Killed process 123 (x) total-vm:1kB')).toBeNull();
    expect(matchKilled('Out of memory: Kill process 7429 (java) score 259 or sacrifice child')).toBeNull();
    expect(matchKillSelect('Out of memory: Kill process 7429 (java) score 259 or sacrifice child')).toEqual({ prefix: 'Out of memory', pid: 7429, comm: 'java', score: 259 });
    expect(matchKillSelect('Out of memory: kill process 12 (x) score 3 or a child')?.pid).toBe(12);
  });

  it('reads reaper, group, exiting and no-killable lines', () => {
    expect(matchReaped('oom_reaper: reaped process 4254 (python3), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB')).toEqual({ pid: 4254, comm: 'python3' });
    expect(matchUnableToReap('oom_reaper: unable to reap pid:1234 (java)')).toEqual({ pid: 1234, comm: 'java' });
    expect(matchGroupKill('Tasks in /system.slice/db.service are going to be killed due to memory.oom.group set')).toEqual({ path: '/system.slice/db.service' });
    expect(matchAlreadyExiting('Memory cgroup out of memory: OOM victim 77 (x) is already exiting. Skip killing the task')).toEqual({ prefix: 'Memory cgroup out of memory', pid: 77, comm: 'x' });
    expect(matchNoKillable('Out of memory and no killable processes...')).toBe(true);
  });
});
