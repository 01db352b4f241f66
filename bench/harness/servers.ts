/**
 * The servers under test, behind one interface: the real gateway (embedded, or as Redis roles:
 * one engine and two edges sharing the port) fed by the C feeder through a FIFO replay, and
 * the reference servers publishing on their own timer. Every process is pinned and stopped by pid.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { RedisKeyStore } from '@mdg/redis';
import { eventually, startRedisServer, type RedisServerHandle } from '@mdg/testing';
import { cpuMicros, onTimeout, Proc, rssBytes } from './processes';
import type { BenchContext, Step } from './bench-context';

export interface MemoryReading {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface ServerUnderTest {
  readonly label: string;
  /** Where clients connect (the Redis mode has one port per edge). */
  readonly ports: number[];
  /** Processes that serve clients (their CPU is "server CPU"). */
  servingPids(): number[];
  /** Other processes of the deployment (engine, redis), reported apart. */
  otherPids(): Record<string, number>;
  setStep(step: Step | undefined): void;
  memory(): Promise<MemoryReading>;
  /** Socket.IO broadcast paths as the gateway reports them (/readyz or /healthz details), when it does. */
  broadcastPaths(): Promise<{ fastPath: number; slowPath: number } | undefined>;
  /** Starts the bus-lag probe window (Redis mode). */
  busLag?: { start(): void; stop(): Promise<{ p50: number; p99: number; p999: number; count: number }> };
  stop(): Promise<void>;
}

const LISTENING = /listening on http:\/\/localhost:(\d+)/;

function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('MDG_') || name === 'REDIS_URL' || name === 'PORT' || name === 'HOST') delete env[name];
  return { ...env, ...extra };
}

/** The same Node flags for every server: the memory probe, optionally a CPU profile, tsx for TypeScript. */
function nodeArgs(ctx: BenchContext, profileName: string | undefined): string[] {
  const args = ['--expose-gc', '--require', path.join(ctx.benchDir, 'servers/memory-probe.cjs')];
  // One profile per thread (tsx's loader runs in a worker): a directory per server, the main thread's is the largest file.
  if (profileName !== undefined) args.push('--cpu-prof', '--cpu-prof-dir', path.join(ctx.profileDir, profileName));
  args.push('--import', 'tsx');
  return args;
}

async function readProbe(pid: number, file: string): Promise<MemoryReading> {
  const before = fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0;
  process.kill(pid, 'SIGUSR2');
  const written = () => fs.existsSync(file) && fs.statSync(file).mtimeMs !== before;
  const answered = await eventually(written, { what: `the memory probe of pid ${pid}`, timeoutMs: 5000, intervalMs: 50 }).then(() => true, onTimeout(false));
  if (!answered) return { rss: rssBytes(pid), heapUsed: Number.NaN, external: Number.NaN, arrayBuffers: Number.NaN };
  const usage = JSON.parse(fs.readFileSync(file, 'utf8')) as MemoryReading;
  return { rss: rssBytes(pid), heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers };
}

function getText(port: number, urlPath: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 3000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(response.statusCode !== undefined && response.statusCode < 500 ? body : undefined));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

async function getJson(port: number, urlPath: string): Promise<unknown> {
  const body = await getText(port, urlPath);
  try {
    return body === undefined ? undefined : JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** `..._broadcasts_total{...path="fast"...} N` style counters in the Prometheus text, if the gateway exports them. */
function broadcastPathsInMetrics(text: string | undefined): { fastPath: number; slowPath: number } | undefined {
  if (text === undefined) return undefined;
  let fastPath: number | undefined;
  let slowPath: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !/broadcast/i.test(line)) continue;
    const value = Number(line.trim().split(/\s+/).at(-1));
    if (!Number.isFinite(value)) continue;
    if (/path="fast"/.test(line)) fastPath = (fastPath ?? 0) + value;
    else if (/path="slow"/.test(line)) slowPath = (slowPath ?? 0) + value;
  }
  return fastPath === undefined ? undefined : { fastPath, slowPath: slowPath ?? 0 };
}

/** Finds `fastPath`/`fastPathBroadcasts` and `slowPath`/`slowPathBroadcasts` anywhere in the health reports, else in /metrics. */
async function broadcastPathsOf(ports: number[]): Promise<{ fastPath: number; slowPath: number } | undefined> {
  let found: { fastPath: number; slowPath: number } | undefined;
  const visit = (value: unknown): { fastPath: number; slowPath: number } | undefined => {
    if (typeof value !== 'object' || value === null) return undefined;
    const record = value as Record<string, unknown>;
    const fast = record['fastPathBroadcasts'] ?? record['fastPath'];
    const slow = record['slowPathBroadcasts'] ?? record['slowPath'];
    if (typeof fast === 'number' && typeof slow === 'number') return { fastPath: fast, slowPath: slow };
    for (const child of Object.values(record)) {
      const inner = visit(child);
      if (inner) return inner;
    }
    return undefined;
  };
  for (const port of ports) {
    const paths = visit(await getJson(port, '/readyz')) ?? visit(await getJson(port, '/healthz')) ?? broadcastPathsInMetrics(await getText(port, '/metrics'));
    if (paths) found = { fastPath: (found?.fastPath ?? 0) + paths.fastPath, slowPath: (found?.slowPath ?? 0) + paths.slowPath };
  }
  return found;
}

// ---------------------------------------------------------------- the feeder and its FIFO

class TradeFifo {
  readonly path: string;
  readonly fd: number;
  private feeder: Proc | undefined;

  constructor(ctx: BenchContext, name: string) {
    this.path = path.join(ctx.runDir, `${name}-${process.pid}-${Date.now()}.fifo`);
    execFileSync('mkfifo', [this.path]);
    // O_RDWR: never blocks, and the gateway never sees EOF while the harness holds it.
    this.fd = fs.openSync(this.path, 'r+');
  }

  /** One trade right away: the replay rebases trade times on its first trade, which must be "now". */
  prime(): void {
    const trade = { instrument: 'BTC', price: 87000, size: 0.1, side: 'buy', time: Date.now(), tradeId: 'prime', source: 'bench' };
    fs.writeSync(this.fd, `${JSON.stringify(trade)}\n`);
  }

  startFeeder(ctx: BenchContext): void {
    const args = ['--period-ms', '1000', ...ctx.feederInstruments.flatMap((spec) => ['--inst', spec])];
    this.feeder = Proc.start('feeder', ctx.clientCore, ctx.feederBinary, args, { stdio: ['pipe', this.fd, 'pipe'], priority: 'realtime' });
  }

  setStep(step: Step | undefined): void {
    const indices = step?.feederIndices ?? [];
    if (step !== undefined) this.feeder?.send(`period ${step.periodMs}`);
    this.feeder?.send(`active ${indices.length > 0 ? indices.join(',') : '-'}`);
  }

  get pid(): number {
    return this.feeder?.pid ?? -1;
  }

  /**
   * Stops a replaying process: a read on an idle FIFO stays pending in libuv's thread pool and
   * would hold its shutdown (ReplayFeed.stop waits for it), so blank lines (skipped by the
   * replay) keep arriving until the process is gone.
   */
  async stopReader(proc: Proc, graceMs: number): Promise<void> {
    const nudge = setInterval(() => fs.writeSync(this.fd, '\n'), 100);
    try {
      await proc.stop('SIGTERM', graceMs);
    } finally {
      clearInterval(nudge);
    }
  }

  async close(): Promise<void> {
    this.feeder?.send('quit');
    await this.feeder?.stop('SIGTERM', 2000);
    fs.closeSync(this.fd);
    fs.rmSync(this.path, { force: true });
  }
}

// ---------------------------------------------------------------- embedded gateway

/** The gateway's coalescing interval under the harness: the feeder's period (≥ 5 ms) sets the pace. */
export const COALESCING_MS = 1;

export async function startGateway(ctx: BenchContext, protocol: 'raw' | 'sio', profileName?: string): Promise<ServerUnderTest> {
  const fifo = new TradeFifo(ctx, 'gateway');
  const probeFile = path.join(ctx.runDir, `probe-gateway-${Date.now()}.json`);
  const env = serverEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    MDG_KEYS_FILE: ctx.keysJson,
    MDG_DEMO_KEYS: 'false',
    MDG_FEED: `replay:${fifo.path}`,
    MDG_REPLAY_SPEED: '0',
    MDG_PRICE_INTERVAL_MS: String(COALESCING_MS),
    MDG_CANDLE_INTERVAL_MS: String(COALESCING_MS),
    MDG_STATUS_INTERVAL_S: '0',
    MDG_BENCH_STAMP: '1',
    MDG_CHART_LIVE_MAX_CONNECTIONS: '1000',
    MDG_API_WS_MAX_CONNECTIONS: '1000',
    BENCH_PROBE_FILE: probeFile,
  });
  const proc = Proc.start(`gateway-${protocol}`, ctx.serverCore, process.execPath, [...nodeArgs(ctx, profileName), ctx.gatewayMain], { env, cwd: ctx.root });
  let port: number;
  try {
    port = Number(LISTENING.exec(await proc.waitFor((line) => LISTENING.test(line), 60_000, 'the listening banner'))![1]);
  } catch (error) {
    await proc.stop('SIGKILL');
    await fifo.close();
    throw error;
  }
  fifo.prime();
  fifo.startFeeder(ctx);
  return {
    label: 'gateway',
    ports: [port],
    servingPids: () => [proc.pid],
    otherPids: () => ({ feeder: fifo.pid }),
    setStep: (step) => fifo.setStep(step),
    memory: () => readProbe(proc.pid, probeFile),
    broadcastPaths: () => broadcastPathsOf([port]),
    stop: async () => {
      fifo.setStep(undefined);
      await fifo.stopReader(proc, 15_000);
      await fifo.close();
      fs.rmSync(probeFile, { force: true });
    },
  };
}

// ---------------------------------------------------------------- references

export type ReferenceName = 'uws-raw' | 'ws-raw' | 'uws-sio' | 'http-sio';

export async function startReference(ctx: BenchContext, name: ReferenceName, streams: string[], profileName?: string): Promise<ServerUnderTest> {
  const probeFile = path.join(ctx.runDir, `probe-${name}-${Date.now()}.json`);
  const script = {
    'uws-raw': 'uws-raw-reference.ts',
    'ws-raw': 'ws-raw-reference.ts',
    'uws-sio': 'socketio-reference.ts',
    'http-sio': 'socketio-reference.ts',
  }[name];
  const env = serverEnv({
    PORT: '0',
    BENCH_STREAMS: streams.join(','),
    BENCH_ENGINE: name === 'http-sio' ? 'http' : 'uws',
    BENCH_PROBE_FILE: probeFile,
  });
  const proc = Proc.start(name, ctx.serverCore, process.execPath, [...nodeArgs(ctx, profileName), path.join(ctx.benchDir, 'servers', script)], {
    env,
    cwd: ctx.root,
  });
  let port: number;
  try {
    port = Number(LISTENING.exec(await proc.waitFor((line) => LISTENING.test(line), 60_000, 'the listening banner'))![1]);
  } catch (error) {
    await proc.stop('SIGKILL');
    throw error;
  }
  return {
    label: name,
    ports: [port],
    servingPids: () => [proc.pid],
    otherPids: () => ({}),
    setStep: (step) => {
      if (step !== undefined) proc.send(`period ${step.periodMs}`);
      proc.send(`active ${step && step.streamIndices.length > 0 ? step.streamIndices.join(',') : '-'}`);
    },
    memory: () => readProbe(proc.pid, probeFile),
    broadcastPaths: () => Promise.resolve(undefined),
    stop: async () => {
      await proc.stop('SIGTERM', 10_000);
      fs.rmSync(probeFile, { force: true });
    },
  };
}

// ---------------------------------------------------------------- Redis mode: 1 engine + 2 edges

export async function startRedisDeployment(ctx: BenchContext): Promise<ServerUnderTest> {
  const redis: RedisServerHandle = await startRedisServer();
  const opened: { stop(): Promise<unknown> }[] = [{ stop: () => redis.stop() }];
  const fifo = new TradeFifo(ctx, 'engine');
  opened.push({ stop: () => fifo.close() });
  try {
    const info = await redisCommand(redis.url, ['info', 'server']);
    const redisPid = Number(/process_id:(\d+)/.exec(String(info))?.[1] ?? -1);
    if (redisPid > 0) {
      execFileSync('taskset', ['-p', '-c', ctx.clientCore ?? '0-1', String(redisPid)], { stdio: 'ignore' });
      execFileSync('renice', ['-n', '-10', '-p', String(redisPid)], { stdio: 'ignore' });
    }
    await seedRedisKeys(redis.url, ctx.keys);
    const common = {
      REDIS_URL: redis.url,
      HOST: '127.0.0.1',
      MDG_STATUS_INTERVAL_S: '0',
      MDG_BENCH_STAMP: '1',
      MDG_PRICE_INTERVAL_MS: String(COALESCING_MS),
      MDG_CANDLE_INTERVAL_MS: String(COALESCING_MS),
      MDG_CHART_LIVE_MAX_CONNECTIONS: '1000',
      MDG_API_WS_MAX_CONNECTIONS: '1000',
      MDG_DEMO_KEYS: 'false',
    };
    const engine = Proc.start('engine', ctx.clientCore, process.execPath, [...nodeArgs(ctx, undefined), ctx.gatewayMain], {
      env: serverEnv({ ...common, PORT: '0', MDG_ROLES: 'engine', MDG_NODE_ID: 'bench-engine', MDG_FEED: `replay:${fifo.path}`, MDG_REPLAY_SPEED: '0' }),
      cwd: ctx.root,
    });
    opened.push({ stop: () => fifo.stopReader(engine, 15_000) });
    await engine.waitFor((line) => LISTENING.test(line), 60_000, 'the engine banner');
    await engine.waitFor((line) => /owner with epoch/.test(line), 30_000, 'engine ownership');
    fifo.prime();
    fifo.startFeeder(ctx);
    const edges: Proc[] = [];
    const probes: string[] = [];
    const ports: number[] = [];
    for (const index of [0, 1]) {
      const probe = path.join(ctx.runDir, `probe-edge${index}-${Date.now()}.json`);
      probes.push(probe);
      const edge = Proc.start(`edge-${index}`, ctx.serverCore, process.execPath, [...nodeArgs(ctx, undefined), ctx.gatewayMain], {
        // Own ports: the uWS build in use (20.30) listens without SO_REUSEPORT, a second edge on the same port fails (EADDRINUSE).
        env: serverEnv({ ...common, PORT: '0', MDG_ROLES: 'edge', MDG_NODE_ID: `bench-edge-${index}`, BENCH_PROBE_FILE: probe }),
        cwd: ctx.root,
      });
      opened.push({ stop: () => edge.stop('SIGTERM', 15_000) });
      const line = await edge.waitFor((text) => LISTENING.test(text), 60_000, `edge ${index} banner`);
      ports.push(Number(LISTENING.exec(line)![1]));
      edges.push(edge);
    }
    const probe = Proc.start('bus-lag-probe', ctx.clientCore, process.execPath, ['--import', 'tsx', path.join(ctx.benchDir, 'harness/bus-lag-probe.ts')], {
      env: serverEnv({ REDIS_URL: redis.url, BENCH_PREFIX: 'mdg:' }),
      cwd: ctx.root,
      keepLines: 10_000,
    });
    opened.push({ stop: () => probe.stop('SIGTERM', 3000) });
    await probe.waitFor((line) => line.startsWith('{"event":"subscribed"'), 20_000, 'bus-lag probe subscription');
    return {
      label: 'redis',
      ports,
      servingPids: () => edges.map((edge) => edge.pid),
      otherPids: () => ({ engine: engine.pid, redis: redisPid, feeder: fifo.pid }),
      setStep: (step) => fifo.setStep(step),
      memory: async () => {
        const readings = await Promise.all(edges.map((edge, index) => readProbe(edge.pid, probes[index]!)));
        return {
          rss: readings.reduce((total, reading) => total + reading.rss, 0),
          heapUsed: readings.reduce((total, reading) => total + reading.heapUsed, 0),
          external: readings.reduce((total, reading) => total + reading.external, 0),
          arrayBuffers: readings.reduce((total, reading) => total + reading.arrayBuffers, 0),
        };
      },
      broadcastPaths: () => broadcastPathsOf(ports),
      busLag: {
        start: () => probe.send('start'),
        stop: async () => {
          const from = probe.lines.length;
          const reply = probe.waitFor((line) => line.startsWith('{"event":"lag"'), 10_000, 'bus lag', from);
          probe.send('stop');
          return JSON.parse(await reply) as { p50: number; p99: number; p999: number; count: number };
        },
      },
      stop: async () => {
        fifo.setStep(undefined);
        for (const resource of opened.reverse()) await resource.stop();
        for (const file of probes) fs.rmSync(file, { force: true });
      },
    };
  } catch (error) {
    for (const resource of opened.reverse()) await resource.stop();
    throw error;
  }
}

async function redisCommand(url: string, command: string[]): Promise<unknown> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    return await client.call(command[0]!, ...command.slice(1));
  } finally {
    client.disconnect();
  }
}

async function seedRedisKeys(url: string, keys: string[]): Promise<void> {
  const store = await RedisKeyStore.open({ connection: url, keyPrefix: 'mdg:' });
  try {
    for (const [index, apiKey] of keys.entries()) await store.create({ userId: `bench-${index}`, plan: 'pro', mode: 'test', apiKey });
  } finally {
    await store.close();
  }
}

export function cpuOf(pids: number[]): number {
  return pids.reduce((total, pid) => total + cpuMicros(pid), 0);
}
