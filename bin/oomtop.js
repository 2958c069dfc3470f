#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm ci` through `prepare`).
import { main } from '../dist/cli/main.js';

// Exit explicitly (a terminal that hung up can leave a stdin handle that keeps Node alive),
// but only once stdout and stderr have flushed: writes to a pipe may still be queued.
function finish(code) {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || !stream.writable) done();
    else stream.write('', done);
  }
}

main(process.argv.slice(2)).then(finish, (err) => {
  process.stderr.write(`oomtop: ${err instanceof Error ? err.message : String(err)}\n`);
  finish(1);
});
