// tmux `capture-pane -e -p` output → a self-contained HTML page (a terminal grid).
// SGR: reset, bold, dim, italic, underline, inverse, 30–37/90–97/40–47/100–107, 39/49,
// 38;5;N / 48;5;N (256 colours), 38;2;R;G;B / 48;2;R;G;B (truecolor).
// Bold with a basic colour (30–37) is drawn bright, as xterm does by default.

export const PALETTE = [
  '#2e3436', '#cc0000', '#4e9a06', '#c4a000', '#3465a4', '#75507b', '#06989a', '#d3d7cf',
  '#555753', '#ef2929', '#8ae234', '#fce94f', '#729fcf', '#ad7fa8', '#34e2e2', '#eeeeec',
];
export const DEFAULT_FG = '#d3d7cf';
export const DEFAULT_BG = '#1c1c1c';

function color256(n) {
  if (n < 16) return PALETTE[n];
  if (n < 232) {
    const i = n - 16;
    const v = [0, 95, 135, 175, 215, 255];
    const hex = (x) => x.toString(16).padStart(2, '0');
    return `#${hex(v[Math.floor(i / 36)])}${hex(v[Math.floor(i / 6) % 6])}${hex(v[i % 6])}`;
  }
  const g = 8 + (n - 232) * 10;
  return `#${g.toString(16).padStart(2, '0').repeat(3)}`;
}
const rgb = (r, g, b) => `#${[r, g, b].map((x) => Number(x).toString(16).padStart(2, '0')).join('')}`;

function applySgr(st, params) {
  const p = params.length ? params : [0];
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === 0) Object.assign(st, { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false });
    else if (c === 1) st.bold = true;
    else if (c === 2) st.dim = true;
    else if (c === 3) st.italic = true;
    else if (c === 4) st.underline = true;
    else if (c === 7) st.inverse = true;
    else if (c === 22) st.bold = st.dim = false;
    else if (c === 23) st.italic = false;
    else if (c === 24) st.underline = false;
    else if (c === 27) st.inverse = false;
    else if (c >= 30 && c <= 37) st.fg = { basic: c - 30 };
    else if (c >= 90 && c <= 97) st.fg = { basic: c - 90 + 8 };
    else if (c >= 40 && c <= 47) st.bg = { basic: c - 40 };
    else if (c >= 100 && c <= 107) st.bg = { basic: c - 100 + 8 };
    else if (c === 39) st.fg = null;
    else if (c === 49) st.bg = null;
    else if (c === 38 || c === 48) {
      const key = c === 38 ? 'fg' : 'bg';
      if (p[i + 1] === 5) {
        st[key] = { css: color256(p[i + 2] ?? 0) };
        i += 2;
      } else if (p[i + 1] === 2) {
        st[key] = { css: rgb(p[i + 2] ?? 0, p[i + 3] ?? 0, p[i + 4] ?? 0) };
        i += 4;
      }
    }
  }
}

function resolve(st) {
  const css = (c, isFg) => {
    if (!c) return isFg ? DEFAULT_FG : DEFAULT_BG;
    if (c.css) return c.css;
    return PALETTE[isFg && st.bold && c.basic < 8 ? c.basic + 8 : c.basic];
  };
  let fg = css(st.fg, true);
  let bg = css(st.bg, false);
  if (st.inverse) [fg, bg] = [bg, fg];
  return { fg, bg };
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One line of captured text → HTML spans (state carries over between lines, as tmux emits it). */
export function ansiToHtml(text, { cols = 120, rows = null, fontPx = 14, lineHeightPx = 17, title = 'terminal' } = {}) {
  const st = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, inverse: false };
  let lines = text.replace(/\n$/, '').split('\n');
  if (rows !== null) lines = lines.slice(0, rows);
  while (rows !== null && lines.length < rows) lines.push('');
  const out = [];
  for (const line of lines) {
    let html = '';
    let col = 0;
    let run = '';
    let runKey = '';
    const flush = () => {
      if (!run) return;
      html += `<span style="${runKey}">${esc(run)}</span>`;
      run = '';
    };
    const styleKey = () => {
      const { fg, bg } = resolve(st);
      return `color:${fg};background:${bg}${st.bold ? ';font-weight:bold' : ''}${st.dim ? ';opacity:.7' : ''}${st.italic ? ';font-style:italic' : ''}${st.underline ? ';text-decoration:underline' : ''}`;
    };
    const re = /\x1b\[([0-9;:]*)m|\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|([^\x1b]+)/gu;
    let m;
    while ((m = re.exec(line))) {
      if (m[1] !== undefined) {
        applySgr(st, m[1] === '' ? [] : m[1].split(/[;:]/).map(Number));
        continue;
      }
      if (m[2] === undefined) continue;
      const k = styleKey();
      if (k !== runKey) {
        flush();
        runKey = k;
      }
      for (const ch of m[2]) {
        run += ch;
        col += 1;
      }
    }
    flush();
    if (col < cols) html += `<span style="background:${DEFAULT_BG}">${' '.repeat(cols - col)}</span>`;
    out.push(`<div class="l">${html}</div>`);
    // tmux restarts every captured line from its own state: keep colours but a line
    // never inherits a background past its end
  }
  const charW = fontPx * 0.6021;
  const width = Math.ceil(cols * charW) + 24;
  const height = lines.length * lineHeightPx + 24;
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>
html,body{margin:0;padding:0;background:${DEFAULT_BG};}
.t{padding:12px;font-family:'DejaVu Sans Mono',monospace;font-size:${fontPx}px;line-height:${lineHeightPx}px;color:${DEFAULT_FG};white-space:pre;font-variant-ligatures:none;}
.l{height:${lineHeightPx}px;overflow:hidden;}
</style></head><body><div class="t">${out.join('')}</div></body></html>`;
  return { html: page, width, height };
}
