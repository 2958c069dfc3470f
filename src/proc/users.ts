import { readSmall } from './read.js';

/** uid → user name from a passwd file, read once and cached; unknown uids print as numbers. */
export class UserNames {
  private map: Map<number, string> | null = null;
  constructor(private readonly passwdPath = '/etc/passwd') {}

  name(uid: number): string {
    if (this.map === null) this.map = parsePasswd(readSmall(this.passwdPath) ?? '');
    return this.map.get(uid) ?? String(uid);
  }
}

export function parsePasswd(text: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const line of text.split('\n')) {
    const parts = line.split(':');
    if (parts.length < 3) continue;
    const uid = Number(parts[2]);
    if (Number.isInteger(uid) && parts[0] && !map.has(uid)) map.set(uid, parts[0]);
  }
  return map;
}
