// Stages real scenes of oomtop in tmux (120x36), captures them with colours and renders
// them to screenshots/*.png with headless Chromium. Action keys are only ever sent while
// oomtop runs with `--filter <PID of a hog this script started>`. Needs dist/ (npm run build),
// tmux and chromium. Usage: node scripts/screenshots.mjs [outdir]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTmux, own, disown, killOwned, onCleanup, sleep, ensurePackages } from '../bench/lib.mjs';
import { ansiToHtml } from './ansi-to-html.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = process.argv[2] ?? join(ROOT, 'screenshots');
const COLS = 120;
const ROWS = 36;
const log = (s) => process.stderr.write(`${s}\n`);
const findChromium = () => ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync('which', [c]).status === 0);
// Debian's chromium and a monospace font with box drawing, installed when missing (as root).
if (!findChromium()) ensurePackages({ chromium: 'chromium' });
ensurePackages({ tmux: 'tmux', '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf': 'fonts-dejavu-core' });
const chromium = findChromium();
if (!chromium) throw new Error('chromium is needed: apt-get install -y chromium fonts-dejavu-core');
mkdirSync(OUT, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'oomtop-shots-'));
onCleanup(() => rmSync(work, { recursive: true, force: true }));

// Captures are rendered after oomtop has quit: Chromium's own processes would otherwise
// show up in the scenes (their raised oom_score_adj makes them risk events).
const captures = [];
function render(name, captured) {
  captures.push([name, captured]);
}
function renderPng(name, captured) {
  const { html, width, height } = ansiToHtml(captured, { cols: COLS, rows: ROWS, title: name });
  const page = join(work, `${name}.html`);
  writeFileSync(page, html);
  const profile = mkdtempSync(join(work, 'chrome-'));
  const png = join(OUT, `${name}.png`);
  const r = spawnSync(
    chromium,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`, `--screenshot=${png}`, `--window-size=${width},${height}`, `file://${page}`],
    { encoding: 'utf8', timeout: 60000 },
  );
  if (!existsSync(png)) throw new Error(`chromium made no ${png}: ${r.stderr}`);
  writeFileSync(join(work, `${name}.ansi`), captured);
  log(`  ${png} (${Math.round(statSync(png).size / 1024)} KB)`);
}

const screenHas = (tmux, s, text) => tmux.capture(s).includes(text);
async function waitFor(tmux, s, pred, ms = 15000) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const text = tmux.capture(s);
    if (pred(text)) return text;
    await sleep(50);
  }
  throw new Error(`timed out waiting on the screen of ${s}:\n${tmux.capture(s)}`);
}

// A hog: ~300 MiB over ~20 s (3 MiB every 200 ms, touched), then idle; ≤ 400 MiB by construction.
const HOG = "const a=[];const t=setInterval(()=>{a.push(Buffer.alloc(3<<20,1));if(a.length>=100)clearInterval(t)},200);setInterval(()=>{},1e6)";

const tmux = makeTmux('oomtop-shots');
// The hog runs in its own 512 MiB memory cgroup (when cgroup v1 is writable), so the
// table's %LIM and the cgroup view show a real limit; it joins before exec (v1 does not
// move memory already charged).
const V1 = '/sys/fs/cgroup/memory';
let appCg = null;
if (existsSync(join(V1, 'memory.limit_in_bytes'))) {
  try {
    appCg = join(V1, `oomtop-shots-app-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(appCg);
    writeFileSync(join(appCg, 'memory.limit_in_bytes'), String(512 << 20));
  } catch {
    appCg = null;
  }
}
const hog = appCg
  ? spawn('sh', ['-c', `echo $$ > ${appCg}/cgroup.procs && exec "${process.execPath}" -e "$0"`, HOG], { stdio: 'ignore' })
  : spawn(process.execPath, ['-e', HOG], { stdio: 'ignore' });
own(hog.pid);
let cg = null;
try {
  const s = 'shots';
  tmux.newSession(s, `node ${join(ROOT, 'bin/oomtop.js')} --filter ${hog.pid}`, { width: COLS, height: ROWS, cwd: ROOT });
  await waitFor(tmux, s, (t) => new RegExp(`^\\s*\\S*\\s+${hog.pid} `, 'm').test(t));
  await sleep(1500);
  // Actions, only on our own hog (the filter holds the selection on it).
  tmux.keys(s, 'x');
  await waitFor(tmux, s, (t) => /expendable|oom_score_adj/i.test(t));
  await sleep(1200);
  tmux.keys(s, 'p');
  await sleep(1200);
  render('actions-eacces', tmux.capture(s, true));
  // Clear the filter: the selection stays on the hog; no action key from here until re-filtered.
  tmux.keys(s, '/');
  await sleep(200);
  tmux.keys(s, 'Escape');
  await sleep(8000); // let the hog grow: ~150+ MiB, at the top
  render('main', tmux.capture(s, true));
  tmux.keys(s, '?');
  await waitFor(tmux, s, (t) => t.includes('oomtop help'));
  render('help', tmux.capture(s, true));
  tmux.keys(s, 'Escape');
  await sleep(500);
  tmux.keys(s, 'e');
  await waitFor(tmux, s, (t) => t.includes('Events —'));
  await sleep(300);
  render('events', tmux.capture(s, true));
  tmux.keys(s, 'Escape');
  await sleep(500);
  // Kill dialog: filter to our hog again, k, picture, Esc (nothing is sent).
  tmux.keys(s, '/');
  await sleep(200);
  tmux.literal(s, String(hog.pid));
  tmux.keys(s, 'Enter');
  await waitFor(tmux, s, (t) => new RegExp(`^\\s*\\S*\\s+${hog.pid} `, 'm').test(t) && !/^\s*\S*\s+1 root/m.test(t));
  await sleep(1200);
  tmux.keys(s, 'k');
  await waitFor(tmux, s, (t) => t.includes('Send a signal'));
  render('kill-dialog', tmux.capture(s, true));
  tmux.keys(s, 'Escape');
  await sleep(300);
  // A kernel OOM kill, live: our own `tail /dev/zero` in a 64 MiB cgroup v1 group.
  const v1 = '/sys/fs/cgroup/memory';
  if (existsSync(join(v1, 'memory.limit_in_bytes'))) {
    tmux.keys(s, '/');
    await sleep(200);
    tmux.keys(s, 'Escape');
    cg = join(v1, `oomtop-shots-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(cg);
    writeFileSync(join(cg, 'memory.limit_in_bytes'), String(64 << 20));
    const victim = spawn('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec tail /dev/zero`], { stdio: 'ignore' });
    own(victim.pid);
    await waitFor(tmux, s, (t) => t.includes(`OOM kill: PID ${victim.pid} `), 20000);
    disown(victim.pid);
    await sleep(1200);
    render('oom-kill', tmux.capture(s, true));
  } else log('  no cgroup v1 memory controller: oom-kill scene skipped');
  // The cgroup view (a view change only: no action key).
  tmux.keys(s, 'c');
  await waitFor(tmux, s, (t) => t.includes('Memory cgroups'));
  await sleep(1200);
  render('cgroups', tmux.capture(s, true));
  tmux.keys(s, 'Escape');
  await sleep(300);
  tmux.keys(s, 'q');
  await sleep(300);
} finally {
  killOwned(hog.pid);
  tmux.close();
  await sleep(300);
  for (const dir of [cg, appCg]) {
    if (!dir) continue;
    // Tasks take a moment to leave after they die: retry briefly.
    for (let i = 0; i < 30; i++) {
      try {
        rmdirSync(dir);
        break;
      } catch (e) {
        if (i === 29) log(`  could not remove ${dir}: ${e.message}`);
        await sleep(100);
      }
    }
  }
}
for (const [name, captured] of captures) renderPng(name, captured);
process.exit(0);
