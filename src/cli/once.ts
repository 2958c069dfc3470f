import { memcgResolver } from '../cgroup/resolve.js';
import { ContainerNamer } from '../containers/index.js';
import { sanitize } from '../text/sanitize.js';
import { Sampler } from '../sampler/sampler.js';
import { buildRows } from '../store/rows.js';
import { BADGE_LEGEND } from '../text/cells.js';
import { layoutColumns, plainHeader, plainRow, processColumns } from '../text/columns.js';
import { fit } from '../text/format.js';
import { fmtKiB } from '../text/size.js';
import type { MonitorArgs } from './args.js';
import { snapshotJson } from './snapshot-json.js';

/** --once: one full snapshot (every process read in detail), as a plain table or JSON. */
export async function runOnce(args: MonitorArgs, out: (s: string) => void): Promise<number> {
  const { config } = args;
  const { memoryCgroupOf, hierarchy } = memcgResolver(config.procRoot, config.cgroupRoot);
  const namer = hierarchy ? new ContainerNamer({ follow: false }) : null;
  const sampler = new Sampler({ procRoot: config.procRoot, memoryCgroupOf, hierarchy });
  let snap = sampler.sample({ full: true });
  // Ask the runtimes for names only when there are containers to name (each try is capped at 2 s).
  if (namer && snap.cgroups.some((c) => c.memory.container && c.memory.container.runtime !== 'systemd-service' && c.memory.container.runtime !== 'systemd-scope' && c.memory.container.runtime !== 'user-session')) {
    await namer.refresh();
    snap = new Sampler({ procRoot: config.procRoot, memoryCgroupOf, hierarchy, namer }).sample({ full: true });
  }
  let rows = buildRows(snap, new Map(), args.sort, args.inverted, args.filter);
  if (args.top !== null) rows = rows.slice(0, args.top);
  if (args.json) {
    out(`${JSON.stringify(snapshotJson(snap, rows), null, 2)}\n`);
    return snap.system.memory === null && snap.processes.length === 0 ? 1 : 0;
  }
  const m = snap.system.memory;
  const lines: string[] = [];
  if (m) {
    lines.push(
      `Mem: ${fmtKiB(m.totalKiB)} total, ${fmtKiB(m.availableKiB)} available (${((100 * m.availableKiB) / m.totalKiB).toFixed(1)}%), swap ${fmtKiB(m.swapFreeKiB)}/${fmtKiB(m.swapTotalKiB)} free, commit ${fmtKiB(m.committedKiB)}/${fmtKiB(m.commitLimitKiB)}`,
    );
  }
  const psi = snap.system.pressure;
  lines.push(
    `PSI memory: ${psi ? `some ${psi.some.avg10.toFixed(2)} full ${(psi.full?.avg10 ?? 0).toFixed(2)} (avg10 %)` : 'n/a'}  OOM kills since boot: ${snap.system.oomKills ?? '?'}  kernel ${snap.system.kernel?.release ?? '?'}`,
  );
  for (const w of snap.warnings) lines.push(`warning: ${w}`);
  const limited = snap.cgroups.filter((c) => c.memory.limitKiB !== null);
  if (limited.length > 0) {
    lines.push('Memory cgroups with a limit (least headroom first):');
    for (const c of limited.slice(0, 10)) {
      const m = c.memory;
      const victim = c.nextVictimPid === null ? '-' : `${c.nextVictimPid} (${sanitize(snap.processes.find((p) => p.pid === c.nextVictimPid)?.name ?? '?')})`;
      lines.push(`  ${fit(c.label, 28)} ${fmtKiB(m.usageKiB)}/${fmtKiB(m.limitKiB)} (${c.domainFillPct === null ? '-' : Math.round(c.domainFillPct)}% working set), headroom ${fmtKiB(c.headroomKiB)}, oom_kill ${m.oomKills ?? '?'}, next victim ${victim}`);
    }
  }
  // The TUI's columns (src/text/columns.ts), all of them but ANON and GROW/s (one snapshot has
  // no history), at fixed widths: one wide table for a pipe or a file.
  const once = new Set(['flag', 'pid', 'user', 'score', 'adj', 'risk', 'limit', 'rss', 'swap', 'cgroup', 'cmd']);
  const defs = processColumns().filter((c) => once.has(c.key)).map((c) => (c.key === 'cgroup' ? { ...c, width: 24, max: 24 } : { ...c, max: c.width }));
  const laid = layoutColumns(defs, defs.reduce((n, c) => n + c.width + 1, 0) + 200, 200);
  lines.push(plainHeader(laid, args.sort, args.inverted));
  for (const r of rows) lines.push(plainRow(laid, r));
  lines.push(`badges: ${BADGE_LEGEND.filter(([b]) => b !== '*').map(([b, what]) => `${b} ${what}`).join(', ')}; oomtop's own process says "(this monitor)"`);
  out(`${lines.join('\n')}\n`);
  return 0;
}
