export type { GuardEvent, GuardEventKind, GuardMode, GuardPolicy, Level, Trigger } from './types.js';
export { GuardController, type GuardStatus, type GuardScopeStatus } from './controller.js';
export { describeThresholds } from './policy.js';
export { formatHuman, formatJson } from './output.js';
