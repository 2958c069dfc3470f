/** Container runtimes' names for cgroups (Docker socket, CLIs), fetched in the background. */
export {
  parseDockerApi,
  parseDockerPs,
  parsePodmanPs,
  parseCrictlPs,
  parseCrictlPods,
  parseKubectlPods,
  dockerSocketSource,
  cliSources,
  type NameSource,
  type NameTable,
  type Runner,
} from './sources.js';
export { ContainerNamer, defaultSources, execaRunner, type NamerOptions, type NamerStatus } from './names.js';
export {
  dockerHost,
  inspectContainer,
  pastEvents,
  parseContainerList,
  parseEngineEvent,
  parseInspect,
  watchEvents,
  type ComposeInfo,
  type ContainerDetails,
  type ContainerState,
  type EngineEvent,
} from './engine.js';
