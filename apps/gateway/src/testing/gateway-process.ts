import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(__dirname, '../../../..');
const MAIN = path.join(ROOT, 'apps/gateway/src/main.ts');

/** A real gateway process (`tsx apps/gateway/src/main.ts`) for multi-process tests. */
export class GatewayProcess {
  readonly logs: string[] = [];
  private readonly exited: Promise<number | null>;
  private readonly waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts a process with PORT=0 and waits until it listens; rejects with its output if it exits first. */
  static spawn(name: string, env: Record<string, string>, timeoutMs = 30_000): Promise<GatewayProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', MDG_STATUS_INTERVAL_S: '0', MDG_DEMO_KEYS: 'false', MDG_NODE_ID: name, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let gateway: GatewayProcess | undefined;
    // The banner line itself starts the GatewayProcess: no polling of the output.
    let onListening: (port: number) => void = () => undefined;
    const onLine = (line: string) => {
      if (gateway) {
        gateway.logs.push(line);
        for (const waiter of gateway.waiters) if (waiter.pattern.test(line)) waiter.resolve(line);
        return;
      }
      lines.push(line);
      const listening = /listening on http:\/\/localhost:(\d+)/.exec(line);
      if (listening) onListening(Number(listening[1]));
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not start in ${timeoutMs} ms:\n${lines.join('\n')}`));
      }, timeoutMs);
      onListening = (port) => {
        clearTimeout(timer);
        gateway = new GatewayProcess(name, child, port);
        gateway.logs.push(...lines);
        resolve(gateway);
      };
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (!gateway) reject(new Error(`${name} exited with ${code} before listening:\n${lines.join('\n')}`));
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first log line (from now on, or already seen) that matches. */
  waitForLog(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const seen = this.logs.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { pattern, resolve: (line: string) => finish(() => resolve(line)) };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`${this.name}: no log line matching ${pattern} in ${timeoutMs} ms:\n${this.logs.slice(-30).join('\n')}`))),
        timeoutMs,
      );
      const finish = (then: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        then();
      };
      this.waiters.add(waiter);
    });
  }

  /** kill -9: no clean-up of any kind, like a crashed node. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait for the clean shutdown; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    return this.exited;
  }

  isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}
