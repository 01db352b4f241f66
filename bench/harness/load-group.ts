/**
 * N clients of the C load generator, split over enough processes to stay under the open-files
 * limit (20,000 per process here), each process with its own 127.0.0.x source address (its
 * own 28k ephemeral ports) and all pinned to the load core.
 */
import { eventually } from '@mdg/testing';
import { LatencyHistogram, type SparseHistogram } from './histogram';
import { onTimeout, Proc, sleep } from './processes';

export interface LoadGroupOptions {
  binary: string;
  core: string | undefined;
  /** Several ports (edges behind no load balancer): load generator process i connects to ports[i % ports.length]. */
  ports: number[];
  protocol: 'raw' | 'sio';
  n: number;
  keysFile: string;
  /** Clients per API key (the harness's keys allow 1,000 connections per user). */
  perKey: number;
  /** raw: subscription messages sent after `connected`. */
  subscriptions: string[];
  /** Handshakes in flight per process. */
  inflight: number;
  perProcess: number;
  sample: number;
}

interface WindowLine {
  ms: number;
  ready: number;
  members: number;
  expected: number;
  got: number;
  published: number;
  pubRate: number;
  msgs: number;
  bytes: number;
  ctrl: number;
  gaps: number;
  dups: number;
  closes: number;
  failed: number;
  errors: number;
  samples: number;
  cpuUs: number;
  streams: { k: string; s0: number; s1: number; t0: number; t1: number }[];
  lat: SparseHistogram;
  latPub: SparseHistogram;
  err: string;
}

/** One measurement window, merged over every load generator process. */
export interface LoadWindow {
  seconds: number;
  ready: number;
  delivered: number;
  bytes: number;
  gaps: number;
  dups: number;
  closes: number;
  failed: number;
  errors: number;
  /** Updates published during the window: per stream, the newest seq seen at the end minus at the start. */
  published: number;
  /** Updates per second published, per stream (s1 - s0) / (arrival of s1 - arrival of s0), summed. */
  publishedPerSec: number;
  /** Per stream: newest seq at the window's start and end, and when they arrived (the freshest process's view). */
  streams: WindowLine['streams'];
  /** Clients ready at the window's start, the seqs they should have received in the window's ranges, and what they got (after the drain). */
  members: number;
  expected: number;
  got: number;
  /** Load generator CPU (all processes share one core): µs. */
  clientCpuUs: number;
  tickToWire: LatencyHistogram;
  publishToWire: LatencyHistogram;
  errorSample: string;
}

export class LoadGroup {
  private constructor(
    readonly procs: Proc[],
    readonly n: number,
  ) {}

  static start(options: LoadGroupOptions): LoadGroup {
    const count = Math.max(options.ports.length, Math.ceil(options.n / options.perProcess));
    const procs: Proc[] = [];
    let first = 0;
    for (let index = 0; index < count; index += 1) {
      const n = Math.floor(options.n / count) + (index < options.n % count ? 1 : 0);
      const args = [
        '--port',
        String(options.ports[index % options.ports.length]),
        '--src',
        `127.0.0.${2 + index}`,
        '--n',
        String(n),
        '--mode',
        options.protocol,
        '--keys',
        options.keysFile,
        '--per-key',
        String(options.perKey),
        '--first',
        String(first),
        '--inflight',
        String(options.inflight),
        '--sample',
        String(options.sample),
        '--id',
        `lg${index}`,
      ];
      for (const subscription of options.subscriptions) args.push('--sub', subscription);
      procs.push(Proc.start(`loadgen-${index}`, options.core, options.binary, args, { keepLines: 100_000 }));
      first += n;
    }
    return new LoadGroup(procs, options.n);
  }

  /** Waits until every client is ready (subscribed); resolves with the slowest process's time. */
  async ready(timeoutMs: number): Promise<{ ms: number; failed: number; retries: number }> {
    const lines = await Promise.all(this.procs.map((proc) => proc.waitFor((line) => line.startsWith('{"event":"ready"'), timeoutMs, 'all clients ready')));
    const events = lines.map((line) => JSON.parse(line) as { ms: number; failed: number; retries: number });
    return {
      ms: Math.max(...events.map((event) => event.ms)),
      failed: sum(events.map((event) => event.failed)),
      retries: sum(events.map((event) => event.retries)),
    };
  }

  /** Clients currently ready, over every process. */
  async readyNow(timeoutMs = 5000): Promise<number> {
    const lines = await this.command('status', '{"event":"status"', timeoutMs);
    return sum(lines.map((line) => (JSON.parse(line) as { ready: number }).ready));
  }

  /** Waits (bounded) until no message has arrived for `quietMs`: a saturated server's backlog has drained. */
  quiet(quietMs: number, timeoutMs: number): Promise<boolean> {
    const total = async () => sum((await this.command('status', '{"event":"status"', 5000)).map((line) => (JSON.parse(line) as { msgs: number }).msgs));
    // Quiet = the message count did not move over one whole interval of `quietMs`.
    let last: number | undefined;
    const unchanged = async () => {
      const now = await total();
      const same = now === last;
      last = now;
      return same;
    };
    return eventually(unchanged, { what: `no message for ${quietMs} ms`, timeoutMs, intervalMs: quietMs }).then(() => true, onTimeout(false));
  }

  /** Waits (bounded) until every client is ready again, e.g. after a saturated step closed some. */
  async settle(timeoutMs: number): Promise<number> {
    let ready = 0;
    const allReady = async () => {
      ready = await this.readyNow();
      return ready >= this.n;
    };
    await eventually(allReady, { what: 'every client ready again', timeoutMs, intervalMs: 250 }).catch(onTimeout(undefined));
    return ready;
  }

  /** Opens a window on every process, waits `ms`, closes it; `during` runs right after the opening. */
  async window(ms: number, hooks: { afterStart?: () => void; beforeStop?: () => void } = {}): Promise<LoadWindow> {
    for (const proc of this.procs) proc.send('start');
    hooks.afterStart?.();
    await sleep(ms);
    hooks.beforeStop?.();
    const lines = await this.command('stop', '{"event":"window"', 15_000);
    return merge(lines.map((line) => JSON.parse(line) as WindowLine));
  }

  /** Every client drops its connection at once and reconnects. */
  async storm(timeoutMs: number): Promise<{ msReady: number; msReceiving: number; failed: number }> {
    const lines = await this.command('storm', '{"event":"storm"', timeoutMs);
    const events = lines.map((line) => JSON.parse(line) as { msReady: number; msReceiving: number; failed: number });
    return {
      msReady: Math.max(...events.map((event) => event.msReady)),
      msReceiving: Math.max(...events.map((event) => event.msReceiving)),
      failed: sum(events.map((event) => event.failed)),
    };
  }

  async quit(): Promise<void> {
    for (const proc of this.procs) proc.send('quit');
    await Promise.all(this.procs.map((proc) => proc.stop('SIGTERM', 3000)));
  }

  pids(): number[] {
    return this.procs.map((proc) => proc.pid);
  }

  private command(command: string, prefix: string, timeoutMs: number): Promise<string[]> {
    return Promise.all(
      this.procs.map((proc) => {
        const from = proc.lines.length;
        const reply = proc.waitFor((line) => line.startsWith(prefix), timeoutMs, `reply to ${command}`, from);
        proc.send(command);
        return reply;
      }),
    );
  }
}

function merge(windows: WindowLine[]): LoadWindow {
  const tickToWire = new LatencyHistogram();
  const publishToWire = new LatencyHistogram();
  for (const window of windows) {
    tickToWire.add(window.lat);
    publishToWire.add(window.latPub);
  }
  return {
    // Every process sees every stream: the range and rate are the same up to in-flight messages; the freshest view counts.
    published: Math.max(...windows.map((window) => window.published)),
    publishedPerSec: Math.max(...windows.map((window) => window.pubRate)),
    streams: windows.reduce((best, window) => (window.published > best.published ? window : best)).streams,
    members: sum(windows.map((window) => window.members)),
    expected: sum(windows.map((window) => window.expected)),
    got: sum(windows.map((window) => window.got)),
    seconds: sum(windows.map((window) => window.ms)) / windows.length / 1000,
    ready: sum(windows.map((window) => window.ready)),
    delivered: sum(windows.map((window) => window.msgs)),
    bytes: sum(windows.map((window) => window.bytes)),
    gaps: sum(windows.map((window) => window.gaps)),
    dups: sum(windows.map((window) => window.dups)),
    closes: sum(windows.map((window) => window.closes)),
    failed: sum(windows.map((window) => window.failed)),
    errors: sum(windows.map((window) => window.errors)),
    clientCpuUs: sum(windows.map((window) => window.cpuUs)),
    tickToWire,
    publishToWire,
    errorSample: windows.map((window) => window.err).find((err) => err !== '') ?? '',
  };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
