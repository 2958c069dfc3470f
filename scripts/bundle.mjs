// Bundles the compiled CLI (dist/cli/main.js, from tsc) with its dependencies into
// dist/bundle/: one ESM file per subcommand chunk, React's production build, and only the
// parts of each dependency that are used. Measured reason (bench/results): Ink imports
// `throttle` from es-toolkit's whole compat index, which alone was about 16 MiB of the
// TUI's private memory, and loading ~300 modules one by one was most of the time to the
// first frame. Subcommands stay lazy: `guard` and `analyze` never load Ink or React.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist/bundle`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'dist/cli/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink loads React DevTools only when DEV=true; it is not a dependency of oomtop.
  // better-sqlite3 finds its compiled addon from its own folder: loaded from node_modules.
  external: ['react-devtools-core', 'better-sqlite3'],
  // Ink's layout in JavaScript, not Yoga's WebAssembly build (measured: ~6 % less CPU, ~20 ms
  // less before the first frame; src/ui/ink/yoga-lite.ts, checked against Yoga by
  // test/ui/ink/yoga-lite.test.ts; the unbundled dist/cli keeps the real one).
  alias: { 'yoga-layout': './dist/ui/ink/yoga-lite.js' },
  // CommonJS dependencies (React) call require() for Node's own modules.
  banner: { js: "import { createRequire as __oomtopCreateRequire } from 'node:module'; const require = __oomtopCreateRequire(import.meta.url);" },
  // main.ts sets NODE_ENV for the unbundled build; here it is already a constant.
  logOverride: { 'assign-to-define': 'silent' },
  legalComments: 'none',
  logLevel: 'warning',
});
