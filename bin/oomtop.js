#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm ci` through `prepare`).
import { main } from '../dist/cli/main.js';

// Exit explicitly: a terminal that hung up can leave a stdin handle that keeps Node alive.
// stdout is synchronous on Linux for terminals, files and pipes, so nothing is lost.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`oomtop: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
