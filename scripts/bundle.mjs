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

/** `string-width` → the lazy wrapper, where it would resolve to the package at node_modules/string-width. */
function lazyStringWidth() {
  return {
    name: 'lazy-string-width',
    setup(b) {
      b.onResolve({ filter: /^string-width$/ }, async (args) => {
        if (args.pluginData === 'lazy-string-width') return undefined;
        const r = await b.resolve('string-width', { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'lazy-string-width' });
        if (r.errors.length > 0 || r.path !== `${root}node_modules/string-width/index.js`) return r;
        return { path: `${root}dist/text/string-width-lazy.js` };
      });
    },
  };
}
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
  external: ['react-devtools-core', 'better-sqlite3', './string-width.cjs'],
  // Ink's layout in JavaScript, not Yoga's WebAssembly build (measured: ~6 % less CPU, ~20 ms
  // less before the first frame; src/ui/ink/yoga-lite.ts, checked against Yoga by
  // test/ui/ink/yoga-lite.test.ts; the unbundled dist/cli keeps the real one).
  alias: { 'yoga-layout': './dist/ui/ink/yoga-lite.js' },
  // string-width (v8, the one Ink and oomtop import) loaded on first use: src/text/string-width-lazy.ts.
  // wrap-ansi's own older copy is left as it is.
  plugins: [lazyStringWidth()],
  // CommonJS dependencies (React) call require() for Node's own modules.
  banner: { js: "import { createRequire as __oomtopCreateRequire } from 'node:module'; const require = __oomtopCreateRequire(import.meta.url);" },
  // main.ts sets NODE_ENV for the unbundled build; here it is already a constant.
  logOverride: { 'assign-to-define': 'silent' },
  legalComments: 'none',
  logLevel: 'warning',
});

// The real string-width for src/text/string-width-lazy.ts: one CommonJS file, required on the
// first string that is not all one-cell characters (synchronously, and without require(esm)).
await build({
  absWorkingDir: root,
  entryPoints: ['node_modules/string-width/index.js'],
  outfile: 'dist/bundle/string-width.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
});
