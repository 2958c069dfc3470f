/** The guard's self-protection lives with the other oom_score_adj writes, in src/actions. */
export { protectSelf, type SelfProtection } from '../actions/self.js';
