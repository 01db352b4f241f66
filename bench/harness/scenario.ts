/**
 * One scenario = one server under test × one N × one repeat: connect N clients (connect rate,
 * memory per idle connection), sweep the offered rate up to saturation, measure latency at
 * fixed fractions of saturation, then a reconnect storm. Bounded in time; everything it
 * started is stopped by pid in `finally`.
 */
import { maxK, stepFor, RAW_SUBSCRIPTIONS, type BenchContext, type Step } from './bench-context';
import { LoadGroup, type LoadWindow } from './load-group';
import { sleep } from './processes';
import { cpuOf, type ServerUnderTest } from './servers';

export type Protocol = 'raw' | 'sio';

export interface TargetSpec {
  id: string;
  label: string;
  protocol: Protocol;
  role: 'gateway' | 'bare' | 'alternative' | 'redis';
  start(ctx: BenchContext, profileName?: string): Promise<ServerUnderTest>;
}

export interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  samples: number;
}

export interface StepResult {
  k: number;
  /** One update per stream every periodMs. */
  periodMs: number;
  seconds: number;
  /** Updates per second the step asks for: k streams × 1000 / period. */
  offeredUpdates: number;
  /** Updates per second the server actually published (seq advance of the streams). */
  publishedUpdates: number;
  publishRatio: number;
  /** offeredUpdates × clients: the delivery rate the step asks for. */
  offeredMsgs: number;
  /** Messages received during the window, per second of window. */
  delivered: number;
  deliveredPerSec: number;
  /** Seq-range accounting (exact): what the clients ready at the start got of what was published in the window, after a drain. */
  expected: number;
  got: number;
  completeness: number;
  bytesPerMsg: number;
  gaps: number;
  closes: number;
  errors: number;
  errorSample: string;
  ready: number;
  /** Server CPU, as a share of one core, and per delivered message. */
  serverCpu: number;
  serverUsPerMsg: number;
  /** Other processes of the deployment (engine, redis, feeder), share of one core each. */
  otherCpu: Record<string, number>;
  /** Load generator CPU over all its processes (they share one core). */
  clientCpu: number;
  tickToWire: Percentiles;
  publishToWire: Percentiles;
  busLag?: Percentiles;
  saturated: boolean;
  reasons: string[];
  /** Raw per-stream seq ranges of the window (results.json only). */
  streams: LoadWindow['streams'];
}

export interface ScenarioResult {
  target: string;
  protocol: Protocol;
  n: number;
  repeat: number;
  ok: boolean;
  error?: string;
  durationMs: number;
  connect?: { ms: number; perSec: number; failed: number; retries: number };
  memory?: { rssPerConn: number; heapPerConn: number; externalPerConn: number; rss0: number; rss1: number; heap0: number; heap1: number };
  sweep: StepResult[];
  capacity?: { peakPerSec: number; sustainedPerSec: number; sustainedPeriodMs: number; saturatedPeriodMs?: number; reached: boolean };
  latency: { fraction: number; actualFraction: number; step: StepResult }[];
  storm?: { msReady: number; msReceiving: number; failed: number; error?: string };
  broadcastPaths?: { fastPath: number; slowPath: number };
}

export interface ScenarioOptions {
  /** Update periods of the sweep, ms, slowest first (every stream of the protocol active). */
  ladder: number[];
  /** Steps offering fewer messages/s than this are skipped (they say nothing at this N). */
  minOfferedMsgs: number;
  warmupMs: number;
  windowMs: number;
  latencyWindowMs: number;
  fractions: number[];
  perProcess: number;
  inflight: number;
  perKey: number;
  sample: number;
  timeoutMs: number;
  storm: boolean;
}

const SATURATION = { completeness: 0.95, publishRatio: 0.9, p99Ms: 500 };

export async function runScenario(
  ctx: BenchContext,
  target: TargetSpec,
  n: number,
  repeat: number,
  options: ScenarioOptions,
  log: (line: string) => void,
  profileName?: string,
): Promise<ScenarioResult> {
  const started = Date.now();
  const result: ScenarioResult = { target: target.id, protocol: target.protocol, n, repeat, ok: true, durationMs: 0, sweep: [], latency: [] };
  let server: ServerUnderTest | undefined;
  let load: LoadGroup | undefined;
  let timer: NodeJS.Timeout | undefined;
  const body = async () => {
    server = await target.start(ctx, profileName);
    const sut = server;
    sut.setStep(undefined);
    await sleep(500);
    const before = await sut.memory();
    load = LoadGroup.start({
      binary: ctx.loadgenBinary,
      core: ctx.clientCore,
      ports: sut.ports,
      protocol: target.protocol,
      n,
      keysFile: ctx.keysTxt,
      perKey: options.perKey,
      subscriptions: target.protocol === 'raw' ? [...RAW_SUBSCRIPTIONS] : [],
      inflight: options.inflight,
      perProcess: options.perProcess,
      sample: options.sample,
    });
    const clients = load;
    const ready = await clients.ready(Math.max(60_000, n * 10));
    result.connect = { ms: ready.ms, perSec: n / (ready.ms / 1000), failed: ready.failed, retries: ready.retries };
    log(`    connected ${n} in ${ready.ms.toFixed(0)} ms (${Math.round(result.connect.perSec)}/s, ${ready.failed} failed)`);
    await sleep(1000);
    const after = await sut.memory();
    result.memory = {
      rssPerConn: (after.rss - before.rss) / n,
      heapPerConn: (after.heapUsed - before.heapUsed) / n,
      externalPerConn: (after.external - before.external) / n,
      rss0: before.rss,
      rss1: after.rss,
      heap0: before.heapUsed,
      heap1: after.heapUsed,
    };

    const measure = async (step: Step, windowMs: number): Promise<StepResult> => {
      sut.setStep(step);
      // Every stream must have published before the window opens (its seq range starts there).
      await sleep(Math.max(options.warmupMs, 2.5 * step.periodMs));
      const pids = sut.servingPids();
      const others = sut.otherPids();
      let cpu0 = 0;
      let cpu1 = 0;
      let others0: Record<string, number> = {};
      let others1: Record<string, number> = {};
      const window = await clients.window(windowMs, {
        afterStart: () => {
          cpu0 = cpuOf(pids);
          others0 = Object.fromEntries(Object.entries(others).map(([name, pid]) => [name, cpuOf([pid])]));
          sut.busLag?.start();
        },
        beforeStop: () => {
          cpu1 = cpuOf(pids);
          others1 = Object.fromEntries(Object.entries(others).map(([name, pid]) => [name, cpuOf([pid])]));
        },
      });
      const busLag = sut.busLag ? await sut.busLag.stop() : undefined;
      const stepResult = summarize(step, window, n, cpu1 - cpu0, others0, others1, busLag);
      log(
        `    ${String(step.periodMs).padStart(4)} ms${step.k < maxK(target.protocol) ? ` ×${step.k}` : ''} offered ${fmt(stepResult.offeredMsgs)}/s delivered ${fmt(stepResult.deliveredPerSec)}/s ` +
          `(${(stepResult.completeness * 100).toFixed(1)} %, published ${(stepResult.publishRatio * 100).toFixed(0)} %) p99 ${stepResult.tickToWire.p99.toFixed(2)} ms ` +
          `server ${(stepResult.serverCpu * 100).toFixed(0)} % ${stepResult.serverUsPerMsg.toFixed(3)} µs/msg client ${(stepResult.clientCpu * 100).toFixed(0)} %` +
          (stepResult.saturated ? `  SATURATED (${stepResult.reasons.join(', ')})` : ''),
      );
      return stepResult;
    };
    // After a saturated step: stop publishing, let the backlog drain (bounded), let dropped clients reconnect.
    const recover = async () => {
      sut.setStep(undefined);
      if (!(await clients.quiet(1000, 60_000))) log('    backlog still draining after 60 s');
      await clients.settle(30_000);
    };
    // The step offering `share` of the capacity: every stream at the matching period, or fewer streams once that would exceed a second.
    const stepAt = (share: number): Step => {
      const kmax = maxK(target.protocol);
      const perClient = (share * peak) / n;
      const period = Math.max(options.ladder.at(-1)!, (kmax * 1000) / perClient);
      if (period <= 1000) return stepFor(target.protocol, Math.round(period * 100) / 100);
      const k = Math.max(1, Math.min(kmax, Math.round(perClient)));
      return stepFor(target.protocol, Math.round(((k * 1000) / perClient) * 100) / 100, k);
    };

    // Sweep: up the ladder until a step saturates.
    const ladder = options.ladder.filter(
      (period, index) => index === options.ladder.length - 1 || (maxK(target.protocol) * 1000 * n) / period >= options.minOfferedMsgs,
    );
    for (const period of ladder) {
      const stepResult = await measure(stepFor(target.protocol, period), options.windowMs);
      result.sweep.push(stepResult);
      if (stepResult.saturated) break;
    }
    // Capacity is what a server delivers under overload; one saturated step may sit just above its
    // limit, where a server that batches more under load has not reached its best yet. So every
    // server is also measured at the top of the ladder: the same overload for all.
    const top = ladder.at(-1)!;
    if (result.sweep.at(-1)!.periodMs !== top) {
      await recover();
      result.sweep.push(await measure(stepFor(target.protocol, top), options.windowMs));
    }
    const sustained = [...result.sweep].reverse().find((step) => !step.saturated);
    const saturated = result.sweep.find((step) => step.saturated);
    const peak = Math.max(...result.sweep.map((step) => step.deliveredPerSec));
    result.capacity = {
      peakPerSec: peak,
      sustainedPerSec: sustained?.deliveredPerSec ?? 0,
      sustainedPeriodMs: sustained?.periodMs ?? Number.NaN,
      saturatedPeriodMs: saturated?.periodMs,
      reached: saturated !== undefined,
    };
    await recover();

    // Latency at fixed fractions of the capacity: the step that offers exactly that share of it.
    for (const fraction of options.fractions) {
      const stepResult = await measure(stepAt(fraction), options.latencyWindowMs);
      result.latency.push({ fraction, actualFraction: stepResult.offeredMsgs / peak, step: stepResult });
      if (stepResult.saturated) await recover();
    }

    // Reconnect storm with updates flowing at a quarter of the capacity.
    if (options.storm) {
      sut.setStep(stepAt(0.25));
      await sleep(options.warmupMs);
      try {
        result.storm = await clients.storm(Math.max(60_000, n * 10));
        log(`    storm: all ${n} back in ${result.storm.msReady.toFixed(0)} ms, receiving in ${result.storm.msReceiving.toFixed(0)} ms`);
      } catch (error) {
        result.storm = { msReady: Number.NaN, msReceiving: Number.NaN, failed: Number.NaN, error: firstLine(error) };
        log(`    storm: ${firstLine(error)}`);
      }
    }
    result.broadcastPaths = await sut.broadcastPaths();
  };
  try {
    await Promise.race([
      body(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`scenario exceeded ${options.timeoutMs} ms`)), options.timeoutMs);
      }),
    ]);
  } catch (error) {
    result.ok = false;
    result.error = firstLine(error);
    log(`    FAILED: ${result.error}`);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await load?.quit().catch(() => undefined);
    await server?.stop().catch((error: unknown) => log(`    stop failed: ${firstLine(error)}`));
    result.durationMs = Date.now() - started;
  }
  return result;
}

function summarize(
  step: Step,
  window: LoadWindow,
  n: number,
  serverCpuUs: number,
  others0: Record<string, number>,
  others1: Record<string, number>,
  busLag: { p50: number; p99: number; p999: number; count: number } | undefined,
): StepResult {
  const seconds = window.seconds;
  const offeredUpdates = (step.k * 1000) / step.periodMs;
  const publishedUpdates = window.publishedPerSec;
  const completeness = window.expected > 0 ? window.got / window.expected : 0;
  const tickToWire = percentiles(window.tickToWire);
  const publishToWire = percentiles(window.publishToWire);
  const reasons: string[] = [];
  if (completeness < SATURATION.completeness) reasons.push(`delivered/expected ${(completeness * 100).toFixed(1)} % < 95 %`);
  if (publishedUpdates < SATURATION.publishRatio * offeredUpdates)
    reasons.push(`published ${((publishedUpdates / offeredUpdates) * 100).toFixed(0)} % of offered < 90 %`);
  if (tickToWire.p99 > SATURATION.p99Ms) reasons.push(`p99 ${tickToWire.p99.toFixed(0)} ms > 500 ms`);
  const otherCpu: Record<string, number> = {};
  for (const [name, value] of Object.entries(others1)) otherCpu[name] = (value - (others0[name] ?? value)) / (seconds * 1e6);
  return {
    k: step.k,
    periodMs: step.periodMs,
    seconds,
    offeredUpdates,
    publishedUpdates,
    publishRatio: publishedUpdates / offeredUpdates,
    offeredMsgs: offeredUpdates * n,
    delivered: window.delivered,
    deliveredPerSec: window.delivered / seconds,
    expected: window.expected,
    got: window.got,
    completeness,
    bytesPerMsg: window.delivered > 0 ? window.bytes / window.delivered : 0,
    gaps: window.gaps,
    closes: window.closes,
    errors: window.errors,
    errorSample: window.errorSample,
    ready: window.ready,
    serverCpu: serverCpuUs / (seconds * 1e6),
    serverUsPerMsg: window.delivered > 0 ? serverCpuUs / window.delivered : Number.NaN,
    otherCpu,
    clientCpu: window.clientCpuUs / (seconds * 1e6),
    tickToWire,
    publishToWire,
    busLag: busLag === undefined ? undefined : { p50: busLag.p50, p99: busLag.p99, p999: busLag.p999, samples: busLag.count },
    saturated: reasons.length > 0,
    reasons,
    streams: window.streams,
  };
}

function percentiles(histogram: { quantileMs(q: number): number; total: number }): Percentiles {
  return { p50: histogram.quantileMs(0.5), p99: histogram.quantileMs(0.99), p999: histogram.quantileMs(0.999), samples: histogram.total };
}

export function fmt(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(0);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 3).join(' | ');
}
