export type { ActionError, ActionOptions, ActionResult, ProcessRef } from './types.js';
export { checkTarget, hasExited } from './check.js';
export { explainErrno } from './explain.js';
export { ADJ_MAX, ADJ_MIN, clampAdj, setOomScoreAdj } from './adjust.js';
export { isSignalName, signalProcess, waitForExit, type GroupOptions } from './signal.js';
export { killSafely, type Escalation, type KillOutcome } from './kill.js';
export { protectSelf, type SelfProtection } from './self.js';
