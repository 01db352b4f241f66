/*
 * Preloaded into every server `npm run bench` starts (node --require): on SIGUSR2 it runs a
 * full GC (when --expose-gc) and writes process.memoryUsage() as JSON to $BENCH_PROBE_FILE,
 * so the harness can read heap per idle connection without any help from the server.
 */
const fs = require('node:fs');
const file = process.env.BENCH_PROBE_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    if (typeof global.gc === 'function') {
      global.gc();
      global.gc();
    }
    const usage = process.memoryUsage();
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ ...usage, at: Date.now() }));
    fs.renameSync(`${file}.tmp`, file);
  });
}
