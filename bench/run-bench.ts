/**
 * npm run bench — fan-out throughput, tick-to-wire latency, CPU per message, memory per idle
 * connection, connect rate and reconnect storms of both protocols through the real gateway,
 * side by side with the bare limit of the stack and with what users would pick instead, all
 * in the same run. Writes bench/results/<run>/results.json (raw) and BENCHMARKS.md.
 * Not a test; see BENCHMARKS.md ("Method") for what is measured and how.
 *
 * Environment (all optional):
 *   BENCH_QUICK=1          a small development run (N=200, short steps, one repeat, no Redis/profiles)
 *   BENCH_N=1000,10000     client counts (default 1000,10000,19000)
 *   BENCH_REPEATS=3        repeats per configuration (median and spread are reported)
 *   BENCH_TARGETS=a,b      only these targets (ids below)
 *   BENCH_REDIS=0          skip the Redis mode;  BENCH_PROFILE=0  skip the CPU profiles
 *   BENCH_LADDER=1000,..,5 update periods of the sweep, ms (default 1000,500,200,100,50,20,10,5)
 *   BENCH_GATEWAY_MAIN     gateway entry point (default apps/gateway/src/main.ts)
 *   BENCH_REPORT=<json>    only regenerate BENCHMARKS.md from a results.json
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '@mdg/auth';
import { feederInstruments, RAW_STREAMS, SIO_STREAMS, type BenchContext } from './harness/bench-context';
import { killAll, priorities, runningCount } from './harness/processes';
import { summarizeProfile, type ProfileSummary } from './harness/profile-summary';
import { writeReport, type BenchResults } from './harness/report';
import { runScenario, type ScenarioOptions, type ScenarioResult, type TargetSpec } from './harness/scenario';
import { COALESCING_MS, startGateway, startRedisDeployment, startReference } from './harness/servers';

const ROOT = path.resolve(__dirname, '..');
const env = process.env;
const QUICK = env['BENCH_QUICK'] === '1';
const NS = (env['BENCH_N'] ?? (QUICK ? '200' : '1000,10000,19000')).split(',').map(Number);
const REPEATS = Number(env['BENCH_REPEATS'] ?? (QUICK ? 1 : 3));
const ONLY = env['BENCH_TARGETS']?.split(',');
const REDIS = env['BENCH_REDIS'] !== undefined ? env['BENCH_REDIS'] !== '0' : !QUICK;
const PROFILE = env['BENCH_PROFILE'] !== undefined ? env['BENCH_PROFILE'] !== '0' : !QUICK;
/** The Redis mode runs at these N (two edges share them). */
const REDIS_NS = (env['BENCH_REDIS_N'] ?? (QUICK ? '200' : '1000,10000')).split(',').map(Number);

const OPTIONS: ScenarioOptions = {
  // One update per stream every this many ms (raw: 10 streams per client, sio: 20 symbols).
  ladder: env['BENCH_LADDER']?.split(',').map(Number) ?? (QUICK ? [1000, 100, 20, 5] : [1000, 200, 100, 50, 20, 10, 5]),
  minOfferedMsgs: QUICK ? 0 : 40_000,
  warmupMs: QUICK ? 700 : 1200,
  windowMs: QUICK ? 1200 : 2500,
  latencyWindowMs: QUICK ? 1200 : 3000,
  fractions: [0.25, 0.5, 0.75],
  perProcess: 9500,
  inflight: 200,
  perKey: 500,
  sample: 64,
  timeoutMs: QUICK ? 120_000 : 420_000,
  storm: true,
};

const TARGETS: TargetSpec[] = [
  { id: 'gateway-raw', label: 'mdg gateway /ws/chart-live', protocol: 'raw', role: 'gateway', start: (ctx, profile) => startGateway(ctx, 'raw', profile) },
  {
    id: 'uws-raw',
    label: 'bare uWS app.publish',
    protocol: 'raw',
    role: 'bare',
    start: (ctx, profile) => startReference(ctx, 'uws-raw', [...RAW_STREAMS], profile),
  },
  {
    id: 'ws-raw',
    label: 'ws library, send loop',
    protocol: 'raw',
    role: 'alternative',
    start: (ctx, profile) => startReference(ctx, 'ws-raw', [...RAW_STREAMS], profile),
  },
  { id: 'gateway-sio', label: 'mdg gateway /api-ws', protocol: 'sio', role: 'gateway', start: (ctx, profile) => startGateway(ctx, 'sio', profile) },
  {
    id: 'uws-sio',
    label: 'bare Socket.IO on uWS',
    protocol: 'sio',
    role: 'bare',
    start: (ctx, profile) => startReference(ctx, 'uws-sio', [...SIO_STREAMS], profile),
  },
  {
    id: 'http-sio',
    label: 'Socket.IO on node:http',
    protocol: 'sio',
    role: 'alternative',
    start: (ctx, profile) => startReference(ctx, 'http-sio', [...SIO_STREAMS], profile),
  },
];
const REDIS_TARGETS: TargetSpec[] = [
  { id: 'redis-raw', label: 'mdg Redis mode (1 engine + 2 edges) /ws/chart-live', protocol: 'raw', role: 'redis', start: (ctx) => startRedisDeployment(ctx) },
  { id: 'redis-sio', label: 'mdg Redis mode (1 engine + 2 edges) /api-ws', protocol: 'sio', role: 'redis', start: (ctx) => startRedisDeployment(ctx) },
];

function log(line: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function prepare(): BenchContext {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const runDir = path.join(ROOT, 'bench/results', `run-${stamp}`);
  const profileDir = path.join(runDir, 'profiles');
  fs.mkdirSync(profileDir, { recursive: true });
  // Binaries are built at run time, into the (gitignored) run directory.
  const loadgenBinary = path.join(runDir, 'loadgen');
  const feederBinary = path.join(runDir, 'feeder');
  execFileSync('gcc', ['-O2', '-o', loadgenBinary, path.join(ROOT, 'bench/loadgen/loadgen.c'), '-lm']);
  execFileSync('gcc', ['-O2', '-o', feederBinary, path.join(ROOT, 'bench/loadgen/feeder.c')]);
  // One Pro user per key; 500 clients per key under a 1,000 per-user limit leaves room for a storm's overlap.
  const keys = Array.from({ length: Math.ceil(Math.max(...NS, ...REDIS_NS) / OPTIONS.perKey) + 2 }, () => generateApiKey('test'));
  const now = Date.now();
  const records = keys.map((key, index) => ({
    keyHash: hashApiKey(key),
    keyPrefix: apiKeyPrefix(key),
    userId: `bench-${index}`,
    plan: 'pro',
    planActive: true,
    mode: 'test',
    createdAt: now + index,
  }));
  const keysJson = path.join(runDir, 'keys.json');
  const keysTxt = path.join(runDir, 'keys.txt');
  fs.writeFileSync(keysJson, JSON.stringify({ version: 1, keys: records }));
  fs.writeFileSync(keysTxt, `${keys.join('\n')}\n`);
  const pin = os.cpus().length >= 2;
  // The harness itself (mostly waiting) stays off the server's core too.
  if (pin) execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  return {
    root: ROOT,
    benchDir: path.join(ROOT, 'bench'),
    runDir,
    profileDir,
    gatewayMain: path.resolve(ROOT, env['BENCH_GATEWAY_MAIN'] ?? 'apps/gateway/src/main.ts'),
    loadgenBinary,
    feederBinary,
    serverCore: pin ? '1' : undefined,
    clientCore: pin ? '0' : undefined,
    keysJson,
    keysTxt,
    keys,
    feederInstruments: feederInstruments(),
  };
}

async function profiles(ctx: BenchContext, results: ScenarioResult[]): Promise<ProfileSummary[]> {
  const summaries: ProfileSummary[] = [];
  const n = NS.includes(1000) ? 1000 : NS[0]!;
  for (const id of ['gateway-raw', 'gateway-sio', 'uws-raw', 'uws-sio']) {
    const target = TARGETS.find((candidate) => candidate.id === id);
    if (target === undefined || (ONLY && !ONLY.includes(id))) continue;
    // Profile the step where this target saturated in the main runs (its hot path at full load).
    const period =
      results.find((result) => result.target === id && result.n === n && result.capacity?.saturatedPeriodMs !== undefined)?.capacity?.saturatedPeriodMs ??
      OPTIONS.ladder.at(-1)!;
    const name = `${id}-n${n}-${period}ms`;
    log(`profile ${name}`);
    await runScenario(ctx, target, n, 0, { ...OPTIONS, ladder: [period], fractions: [], storm: false, windowMs: 6000 }, (line) => log(line), name);
    const dir = path.join(ctx.profileDir, name);
    const files = fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((file) => file.endsWith('.cpuprofile'))
          .map((file) => path.join(dir, file))
      : [];
    const main = files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
    if (main !== undefined) summaries.push(summarizeProfile(main, id, n, period));
    else log(`  no profile written for ${name}`);
  }
  return summaries;
}

async function main(): Promise<void> {
  const reportOnly = env['BENCH_REPORT'];
  if (reportOnly !== undefined) {
    const results = JSON.parse(fs.readFileSync(reportOnly, 'utf8')) as BenchResults;
    writeReport(results, path.join(ROOT, 'BENCHMARKS.md'), path.join(ROOT, 'bench/benchmarks-notes.md'));
    log('BENCHMARKS.md regenerated');
    return;
  }
  const started = Date.now();
  const ctx = prepare();
  log(`bench run in ${path.relative(ROOT, ctx.runDir)}; N=${NS.join(',')} repeats=${REPEATS} quick=${QUICK} redis=${REDIS} profiles=${PROFILE}`);
  const results: ScenarioResult[] = [];
  const save = (extra: Partial<BenchResults> = {}): BenchResults => {
    const data: BenchResults = {
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model ?? '?',
        node: process.version,
        kernel: os.release(),
        memoryGiB: os.totalmem() / 2 ** 30,
        loadavg: os.loadavg(),
      },
      options: {
        ...OPTIONS,
        priorities: priorities(),
        ns: NS,
        redisNs: REDIS_NS,
        repeats: REPEATS,
        quick: QUICK,
        coalescingMs: COALESCING_MS,
        gatewayMain: path.relative(ROOT, ctx.gatewayMain),
        serverCore: ctx.serverCore,
        clientCore: ctx.clientCore,
      },
      targets: [...TARGETS, ...REDIS_TARGETS].map(({ id, label, protocol, role }) => ({ id, label, protocol, role })),
      scenarios: results,
      profiles: [],
      ...extra,
    };
    fs.writeFileSync(path.join(ctx.runDir, 'results.json'), JSON.stringify(data, null, 1));
    fs.writeFileSync(path.join(ROOT, 'bench/results/bench-latest.json'), JSON.stringify(data, null, 1));
    return data;
  };
  // Interleaved: each repeat visits every configuration, so drift (other load, heat) hits all alike.
  for (let repeat = 1; repeat <= REPEATS; repeat += 1) {
    for (const n of NS) {
      for (const target of TARGETS) {
        if (ONLY && !ONLY.includes(target.id)) continue;
        // The alternatives saturate at the first step from N = 10,000 on; above it they add time, not information.
        if (target.role === 'alternative' && n > 10_000 && !ONLY?.includes(target.id)) continue;
        log(`repeat ${repeat}/${REPEATS}  N=${n}  ${target.id}`);
        results.push(await runScenario(ctx, target, n, repeat, OPTIONS, log));
        save();
      }
    }
    if (REDIS) {
      for (const n of REDIS_NS) {
        for (const target of REDIS_TARGETS) {
          if (ONLY && !ONLY.includes(target.id)) continue;
          log(`repeat ${repeat}/${REPEATS}  N=${n}  ${target.id}`);
          results.push(await runScenario(ctx, target, n, repeat, OPTIONS, log));
          save();
        }
      }
    }
  }
  const profileSummaries = PROFILE ? await profiles(ctx, results) : [];
  const data = save({ profiles: profileSummaries });
  // Partial runs (quick, filtered) never overwrite the committed BENCHMARKS.md.
  const complete = !QUICK && ONLY === undefined && env['BENCH_N'] === undefined && env['BENCH_REPEATS'] === undefined;
  writeReport(data, complete ? path.join(ROOT, 'BENCHMARKS.md') : path.join(ctx.runDir, 'BENCHMARKS.md'), path.join(ROOT, 'bench/benchmarks-notes.md'));
  log(
    `done in ${((Date.now() - started) / 60000).toFixed(1)} min; ${complete ? 'BENCHMARKS.md' : `${path.relative(ROOT, ctx.runDir)}/BENCHMARKS.md (partial run)`} written, raw results in ${path.relative(ROOT, ctx.runDir)}/results.json`,
  );
  if (runningCount() > 0) log(`warning: ${runningCount()} child processes still running; killing them`);
  killAll();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}
main().catch((error: unknown) => {
  console.error(error);
  killAll();
  process.exit(1);
});
