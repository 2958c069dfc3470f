import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fixture trees of test/fixtures/cgroup (made by generate.mjs there). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cgroup');

export const { ID, UID } = JSON.parse(readFileSync(join(FIXTURES, 'ids.json'), 'utf8')) as {
  ID: Record<'dockerA' | 'kubeB' | 'pause' | 'crio' | 'cri2' | 'docker3' | 'podman' | 'gpod', string>;
  UID: Record<'burst' | 'best' | 'guar', string>;
};

export const MiB = 1024;

export function layout(name: 'hybrid' | 'v1' | 'v2') {
  const base = join(FIXTURES, name);
  return { base, proc: join(base, 'proc'), cgroupRoot: join(base, 'sys', 'fs', 'cgroup') };
}
