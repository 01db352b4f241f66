/**
 * Setup file of `npm run test:unit`: a spec in that run may not open sockets, start servers or
 * spawn processes. Instead of hanging on a connection or racing a port, it fails at once with
 * a message saying how to fix the classification (select-unit-specs.js).
 */
const net = require('node:net');
const childProcess = require('node:child_process');

const GUARDED = Symbol.for('mdg.testUnitGuard');

function refuse(what) {
  return function refused() {
    throw new Error(
      `test:unit runs I/O-free specs only, and this spec called ${what}. Add the marker it uses to IO_MARKERS in tools/jest-unit/select-unit-specs.js (it then runs only under npm test).`,
    );
  };
}

if (!net.Socket.prototype[GUARDED]) {
  net.Socket.prototype[GUARDED] = true;
  net.Socket.prototype.connect = refuse('net.Socket.connect (a network connection)');
  net.Server.prototype.listen = refuse('net.Server.listen (a server)');
  for (const name of ['spawn', 'exec', 'execFile', 'fork', 'spawnSync', 'execSync', 'execFileSync']) childProcess[name] = refuse(`child_process.${name}`);
}
