export type * from './types.js';
export { parseMountinfo, hierarchyFromMounts, hierarchyFromRoot, detectMemoryHierarchy, type MountEntry } from './mountinfo.js';
export { parseProcCgroup, toMountPath, cgroupDir, subHierarchy, readProcMemoryCgroup } from './proccgroup.js';
export {
  UNLIMITED_BYTES,
  parseLimitKiB,
  parseBytesKiB,
  parseKeyed,
  effectiveLimit,
  parentPath,
  ancestorsOrSelf,
  parsePids,
  parseOomControl,
} from './parse.js';
export {
  readCgroupMemory,
  readCgroupsFor,
  hierarchyPath,
  readCgroupUsageKiB,
  readOwnLimitKiB,
  readEffectiveLimitKiB,
  readCgroupInactiveFileKiB,
  readCgroupSwapKiB,
  readCgroupOomControl,
  readCgroupPressure,
  readCgroupPeakKiB,
  readCgroupSwapPeakKiB,
  readCgroupSwapUseKiB,
  readCgroupOomKillCount,
  listMemoryCgroups,
  cgroupProcs,
  type ReadCgroupOptions,
  type CgroupFileReader,
  type ListOptions,
} from './memory.js';
export { recognizeContainer, shortId, containerLabel } from './container.js';
export { cgroupNextVictim, rankVictims, type VictimCandidate, type RankedVictim } from './victim.js';
export { cgroupRiskPct, victimShare, processDanger, systemFillPct, type DomainExposure } from './risk.js';
export {
  analyzeCgroups,
  nextVictimOf,
  cgroupExposures,
  dangerOf,
  type CgroupProc,
  type OomDomain,
  type CgroupAnalysis,
  type AnalysisEnv,
} from './analysis.js';
export { cgroupJson, type CgroupJson } from './json.js';
