import type { ActionError } from './types.js';

/** Turn an errno from a write to oom_score_adj or from kill(2) into words and a fix. */
export function explainErrno(
  code: string | undefined,
  what: 'adj-lower' | 'adj' | 'signal',
  label: string,
  detail = '',
): ActionError {
  switch (code) {
    case 'EACCES':
      // The write path explains EACCES with what applies (explainAdjDenied); this is the fallback.
      if (what === 'adj-lower') {
        return {
          code,
          message: `${label}: lowering oom_score_adj${detail} needs CAP_SYS_RESOURCE, which oomtop lacks (EACCES, even as root: the floor is the last value a privileged writer set, usually 0)`,
          hint: 'run oomtop with CAP_SYS_RESOURCE (e.g. sudo capsh or a root shell that has it), or for a service set OOMScoreAdjust= in its systemd unit',
        };
      }
      return { code, message: `${label}: permission denied`, hint: 'run oomtop as root' };
    case 'EPERM':
      return {
        code,
        message: `${label}: not permitted: the process belongs to another user`,
        hint: 'run oomtop as root (or as the process owner)',
      };
    case 'ESRCH':
    case 'ENOENT':
      return { code: 'ESRCH', message: `${label} has exited`, hint: null };
    case 'EROFS':
      return {
        code,
        message: `${label}: /proc is mounted read-only here (a container?)`,
        hint: 'act from the host, or run the container with a writable /proc',
      };
    case 'EINVAL':
      return { code, message: `${label}: the kernel rejected the value${detail}`, hint: null };
    default:
      return { code: code ?? 'EIO', message: `${label}: failed (${code ?? 'unknown error'})${detail}`, hint: null };
  }
}

/** What decides an EACCES from a write to /proc/PID/oom_score_adj (see adjDenialContext). */
export interface AdjDenial {
  label: string;
  before: number;
  target: number;
  /** The caller: effective uid and effective capabilities (/proc/self/status CapEff). */
  callerUid: number | null;
  capEff: bigint | null;
  /** Owner of /proc/PID/oom_score_adj (the target's euid, or root when it is not dumpable). */
  fileOwner: number | null;
  /** /proc is mounted read-only. */
  procReadOnly: boolean;
  /** Active Linux security modules (/sys/kernel/security/lsm), when known. */
  lsms: string[] | null;
}

const CAP_DAC_OVERRIDE = 1n;
const CAP_SYS_RESOURCE = 24n;
const has = (caps: bigint | null, bit: bigint): boolean | null => (caps === null ? null : ((caps >> bit) & 1n) === 1n);

/**
 * EACCES from oom_score_adj has several causes; name the one that applies, checked in
 * the order the kernel checks them: the file's permissions (another user's process, a
 * read-only /proc), then __set_oom_adj's floor (lowering below the last value a
 * CAP_SYS_RESOURCE writer set needs CAP_SYS_RESOURCE), and when neither applies, a
 * security module (AppArmor, SELinux) said no.
 */
export function explainAdjDenied(d: AdjDenial): ActionError {
  const change = ` from ${d.before} to ${d.target}`;
  const you = d.callerUid === null ? 'oomtop' : d.callerUid === 0 ? 'oomtop (root)' : `oomtop (uid ${d.callerUid})`;
  if (d.procReadOnly) {
    return {
      code: 'EACCES',
      message: `${d.label}: /proc is mounted read-only here, so oom_score_adj cannot be written (EACCES)`,
      hint: 'act from the host, or run the container with a writable /proc',
    };
  }
  const dacOverride = has(d.capEff, CAP_DAC_OVERRIDE);
  if (d.fileOwner !== null && d.callerUid !== null && d.fileOwner !== d.callerUid && dacOverride !== true) {
    return {
      code: 'EACCES',
      message: `${d.label}: belongs to ${d.fileOwner === 0 ? 'root' : `uid ${d.fileOwner}`}, and ${you} may only change its own processes (EACCES)`,
      hint: d.fileOwner === 0 ? 'run oomtop as root' : `run oomtop as root or as uid ${d.fileOwner}`,
    };
  }
  const sysResource = has(d.capEff, CAP_SYS_RESOURCE);
  if (d.target < d.before && sysResource !== true) {
    return {
      code: 'EACCES',
      message: `${d.label}: lowering oom_score_adj${change} needs CAP_SYS_RESOURCE, which ${you} lacks (EACCES${d.callerUid === 0 ? ', even as root' : ''}: the floor is the last value a privileged writer set, usually 0)`,
      hint: 'run oomtop with CAP_SYS_RESOURCE (e.g. sudo capsh or a root shell that has it), or for a service set OOMScoreAdjust= in its systemd unit',
    };
  }
  const lsm = d.lsms?.filter((m) => ['apparmor', 'selinux', 'smack', 'tomoyo', 'landlock', 'bpf'].includes(m)) ?? [];
  return {
    code: 'EACCES',
    message: `${d.label}: changing oom_score_adj${change} was denied although ${you} has the permissions: a security module refused it${lsm.length ? ` (active: ${lsm.join(', ')})` : ''}`,
    hint: 'look for the denial in the audit log (dmesg | grep -i denied, or ausearch -m avc) and allow oomtop in that policy',
  };
}
