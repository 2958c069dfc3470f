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
      if (what === 'adj-lower' || what === 'adj') {
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
