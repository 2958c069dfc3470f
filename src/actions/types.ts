/** The identity of a process: a PID alone can be reused, PID + start time cannot. */
export interface ProcessRef {
  pid: number;
  startTimeTicks: number;
  name?: string;
}

export interface ActionError {
  /** errno code (EACCES, EPERM, ESRCH, EROFS, EINVAL) or one of oomtop's own refusals. */
  code: string;
  message: string;
  /** How to fix it, when there is a fix. */
  hint: string | null;
}

export type ActionResult<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ActionError };

export interface ActionOptions {
  procRoot: string;
  /** --read-only: every action is refused. */
  readOnly?: boolean;
  /** The pid of this oomtop (tests may pretend otherwise). */
  selfPid?: number;
}
