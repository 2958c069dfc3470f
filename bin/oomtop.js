#!/usr/bin/env -S node --max-semi-space-size=1 --max-old-space-size=64 --v8-pool-size=1 --single-threaded-gc
// Entry point: the CLI bundled with its dependencies in dist/bundle/ (built by `npm ci`
// through `prepare`: tsc, then scripts/bundle.mjs); the plain tsc output in dist/cli/ is
// used only when the bundle was not built.
// The V8 flags keep the heap small (measured in bench/: RSS about 160 MiB → under 100 MiB
// for the TUI at 1000 processes, and less CPU, not more). `analyze` streams its input, so
// 64 MiB of old space is plenty for every subcommand. `env -S` needs coreutils 8.30, which
// every glibc that Node 20 runs on ships with.
import { existsSync } from 'node:fs';

const bundled = new URL('../dist/bundle/main.js', import.meta.url);
const { main, exitWhenFlushed } = await import(existsSync(bundled) ? bundled.href : '../dist/cli/main.js');

// Exit explicitly (a terminal that hung up can leave a stdin handle that keeps Node alive),
// but only once stdout and stderr have flushed: writes to a pipe may still be queued, and
// a write that failed (a full disk) turns into a message and exit 1 (src/cli/output.ts).
main(process.argv.slice(2)).then(exitWhenFlushed, (err) => {
  process.stderr.write(`oomtop: ${err instanceof Error ? err.message : String(err)}\n`);
  exitWhenFlushed(1);
});
