/**
 * Which specs `npm run test:unit` runs: those that do no I/O beyond the file system — no
 * server, socket, redis-server, child process or browser. Decided from the source, so a new
 * spec is classified without anyone editing a list: a spec is I/O-bound when it, or a local
 * file it imports (followed recursively through relative imports, e.g. its testing harness),
 * mentions one of the markers below. The no-io-guard setup file backs this up at run time: a
 * spec the scan missed fails loudly in test:unit instead of silently reaching the network.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const ROOTS = ['libs', 'apps', 'tools'];

/** What starts or reaches a server, a socket, a process or a browser. */
const IO_MARKERS = [
  /from '(ws|socket\.io-client|socket\.io|uWebSockets\.js|ioredis|bullmq|playwright-core)'/,
  /from 'node:(child_process|net|http|https|dgram)'/,
  /\bstartRedisServer\b/,
  /\bfetch\(/,
  /\bFake\w*Server\b/,
  /\bGatewayProcess\b/,
  /\bGateway\.create\b/,
  /\.listen\(/,
  /\bpromtool\(/,
  // Nx builds its project graph in plugin worker processes.
  /\bcreateProjectGraph/,
];

function walk(dir, found) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, found);
    else if (entry.name.endsWith('.spec.ts')) found.push(full);
  }
  return found;
}

function resolveLocal(from, specifier) {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  return undefined;
}

/** Whether `file` or anything it imports through relative paths mentions an I/O marker. */
function doesIo(file, seen = new Set()) {
  if (seen.has(file)) return false;
  seen.add(file);
  const source = fs.readFileSync(file, 'utf8');
  if (IO_MARKERS.some((marker) => marker.test(source))) return true;
  for (const match of source.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
    const imported = resolveLocal(file, match[1]);
    if (imported !== undefined && doesIo(imported, seen)) return true;
  }
  return false;
}

/** Absolute paths of the I/O-free specs. */
function unitSpecs() {
  return ROOTS.flatMap((root) => walk(path.join(ROOT, root), []))
    .filter((file) => !doesIo(file))
    .sort();
}

module.exports = { unitSpecs, doesIo, IO_MARKERS };

if (require.main === module) {
  const all = ROOTS.flatMap((root) => walk(path.join(ROOT, root), []));
  const unit = new Set(unitSpecs());
  for (const file of all.sort()) console.log(`${unit.has(file) ? 'unit' : 'io  '}  ${path.relative(ROOT, file)}`);
  console.log(`${unit.size} of ${all.length} specs are I/O-free`);
}
