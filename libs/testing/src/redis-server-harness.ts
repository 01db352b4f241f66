import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface RedisServerOptions {
  /** The server binary. Default `redis-server` from PATH (scripts/pretest.sh installs it). */
  binary?: string;
  /** How long start-up may take before giving up. Default 10000 ms. */
  startTimeoutMs?: number;
  /** Extra `redis-server` arguments, e.g. `['--maxmemory', '10mb']`. */
  extraArgs?: readonly string[];
}

/** A `redis-server` child process on 127.0.0.1 and a free port, owned by one test file. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Whether the process is up (between a successful start/restart and stop/kill). */
  readonly running: boolean;
  /** Graceful shutdown (SIGTERM); resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash (clients see their sockets reset); resolves once the process has exited. */
  kill(): Promise<void>;
  /** Starts a fresh, empty server on the same port (after stop or kill); resolves once it answers. */
  restart(): Promise<void>;
}

/** How often start-up is re-attempted on a new port when another process grabbed the probed one first. */
const PORT_RACE_ATTEMPTS = 5;
const HOST = '127.0.0.1';
const MISSING_BINARY_HINT =
  'redis-server is not installed. Run `npm run pretest` as root, or: sudo apt-get update && sudo apt-get install -y --no-install-recommends redis-server';

/**
 * Starts `redis-server --port <free port> --bind 127.0.0.1 --save '' --appendonly no` in a
 * temporary directory and waits until it answers. Nothing is persisted, so a restart
 * comes back empty, like a cache node that was replaced. Tests use one server per spec file
 * and a unique key prefix per test (`uniquePrefix`), never a fixed port.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const binary = options.binary ?? 'redis-server';
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const extraArgs = options.extraArgs ?? [];
  let lastError: Error | undefined;
  // The free port is found by binding port 0 and closing it; another process may take it in
  // between. That is a start-up race (not a flaky test), so a bounded number of new ports is tried.
  for (let attempt = 0; attempt < PORT_RACE_ATTEMPTS; attempt++) {
    const port = await freePort();
    const server = new RedisServerProcess(binary, port, startTimeoutMs, extraArgs);
    try {
      await server.start();
      return server;
    } catch (error) {
      if (!(error instanceof PortInUseError)) throw error;
      lastError = error;
    }
  }
  throw new Error(`redis-server could not bind a free port in ${PORT_RACE_ATTEMPTS} attempts: ${lastError?.message ?? ''}`);
}

class PortInUseError extends Error {}

class RedisServerProcess implements RedisServerHandle {
  readonly host = HOST;
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private dir: string | undefined;
  private readonly killOnExit = (): void => {
    // A test process that dies must not leave an orphaned server behind.
    this.child?.kill('SIGKILL');
  };

  constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly startTimeoutMs: number,
    private readonly extraArgs: readonly string[],
  ) {
    this.url = `redis://${HOST}:${port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error(`redis-server on port ${this.port} is already running`);
    this.dir = mkdtempSync(path.join(tmpdir(), 'mdg-redis-'));
    const args = [
      '--port',
      String(this.port),
      '--bind',
      HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      '--loglevel',
      'warning',
      ...this.extraArgs,
    ];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      // Keep only the tail: enough to explain a failed start, bounded for a long-running server.
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let exitInfo: string | undefined;
    let spawnError: NodeJS.ErrnoException | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        spawnError = error;
        resolve();
      });
      // 'close' rather than 'exit': by then the output is complete, so a failed start can be explained.
      child.once('close', (code, signal) => {
        exitInfo = signal ? `signal ${signal}` : `exit code ${String(code)}`;
        resolve();
      });
    }).then(() => {
      if (this.child === child) this.forget();
    });
    this.child = child;
    process.once('exit', this.killOnExit);

    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      if (spawnError) {
        this.forget();
        if (spawnError.code === 'ENOENT') throw new Error(`${MISSING_BINARY_HINT} (could not run ${this.binary})`);
        throw new Error(`could not start ${this.binary}: ${spawnError.message}`);
      }
      if (exitInfo !== undefined) {
        this.forget();
        if (/address already in use/i.test(output)) throw new PortInUseError(`port ${this.port} is in use`);
        throw new Error(`redis-server exited during start-up (${exitInfo}): ${output.trim()}`);
      }
      const pid = await answeringPid(this.port);
      // Checking the pid tells our server from another process that took the port first.
      if (pid !== undefined && pid === child.pid) return;
      if (pid !== undefined) {
        await this.signal('SIGKILL');
        throw new PortInUseError(`port ${this.port} is served by another process (pid ${pid})`);
      }
      if (Date.now() > deadline) {
        await this.signal('SIGKILL');
        throw new Error(`redis-server did not answer on port ${this.port} within ${this.startTimeoutMs} ms: ${output.trim()}`);
      }
      await delay(20);
    }
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    try {
      await this.start();
    } catch (error) {
      if (error instanceof PortInUseError) {
        // Clients hold this URL, so another port would not help: say what happened instead.
        throw new Error(`cannot restart redis-server: another process took port ${this.port} meanwhile`, { cause: error });
      }
      throw error;
    }
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill(signal);
    await this.exited;
  }

  private forget(): void {
    this.child = undefined;
    process.removeListener('exit', this.killOnExit);
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** A port that was free a moment ago: bind port 0, read the port, close. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}

/**
 * The process id of the Redis answering on `port` (raw RESP `INFO server`; the harness must not
 * depend on the client library under test), or undefined while nothing answers or it is loading.
 */
function answeringPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    let reply = '';
    const finish = (pid: number | undefined): void => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(1000, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.startsWith('-')) return finish(undefined);
      const match = /process_id:(\d+)\r\n/.exec(reply);
      if (match) finish(Number(match[1]));
    });
  });
}
