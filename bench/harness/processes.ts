/**
 * Child processes of `npm run bench`: every one is started pinned to a core (taskset execs the
 * command, so the pid is the program's own), tracked, and stopped by its pid — never by name.
 */
import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import { createInterface } from 'node:readline';
import { EventuallyTimeoutError } from '@mdg/testing';

const running = new Set<Proc>();

/**
 * Whether this user may raise priorities (root here). The machine is shared: every process the
 * benchmark measures (servers and load generators alike) runs at nice -10, so unrelated
 * background work takes less from them; the feeder, which only sleeps and writes a few lines
 * on a schedule, runs SCHED_FIFO so the offered rate stays exact on a busy core.
 */
const MAY_RAISE_PRIORITY = ((): boolean => {
  try {
    execFileSync('chrt', ['-f', '10', 'nice', '-n', '-10', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export type Priority = 'normal' | 'high' | 'realtime';

export class Proc {
  readonly lines: string[] = [];
  private readonly exited: Promise<number | null>;
  private readonly waiters = new Set<{ test: (line: string) => boolean; resolve: (line: string) => void }>();
  private readonly listeners = new Set<(line: string) => void>();

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly keepLines: number,
  ) {
    running.add(this);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(this);
        resolve(code ?? (signal ? -1 : null));
      });
    });
    const onLine = (line: string) => {
      this.lines.push(line);
      if (this.lines.length > this.keepLines) this.lines.splice(0, this.lines.length - this.keepLines);
      for (const listener of this.listeners) listener(line);
      for (const waiter of [...this.waiters]) if (waiter.test(line)) waiter.resolve(line);
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => onLine(`[stderr] ${line}`));
  }

  /** Starts `command args` pinned to `core` (a taskset CPU list, e.g. "1"); undefined core = unpinned. Every wrapper execs, so the pid is the program's. */
  static start(
    name: string,
    core: string | undefined,
    command: string,
    args: string[],
    options: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions; cwd?: string; keepLines?: number; priority?: Priority } = {},
  ): Proc {
    let argv = core === undefined ? [command, ...args] : ['taskset', '-c', core, command, ...args];
    const priority = MAY_RAISE_PRIORITY ? (options.priority ?? 'high') : 'normal';
    if (priority === 'high') argv = ['nice', '-n', '-10', ...argv];
    if (priority === 'realtime') argv = ['chrt', '-f', '10', ...argv];
    const [file, ...rest] = argv as [string, ...string[]];
    const child = spawn(file, rest, { env: options.env ?? process.env, cwd: options.cwd, stdio: options.stdio ?? ['pipe', 'pipe', 'pipe'] });
    return new Proc(name, child, options.keepLines ?? 2000);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(line: string): void {
    if (this.alive && this.child.stdin && !this.child.stdin.destroyed) this.child.stdin.write(`${line}\n`);
  }

  /** The first line (already seen or coming) that passes `test`; rejects after `timeoutMs` or if the process exits. */
  waitFor(test: (line: string) => boolean, timeoutMs: number, what: string, fromIndex = 0): Promise<string> {
    const seen = this.lines.slice(fromIndex).find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve: (line: string) => {
          cleanup();
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms; last output:\n${this.lines.slice(-15).join('\n')}`));
      }, timeoutMs);
      const onExit = () => {
        cleanup();
        reject(new Error(`${this.name} exited while waiting for ${what}; last output:\n${this.lines.slice(-15).join('\n')}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        this.child.off('exit', onExit);
      };
      this.waiters.add(waiter);
      this.child.once('exit', onExit);
    });
  }

  /** `signal`, then SIGKILL if still alive after `graceMs`; resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<number | null> {
    if (!this.alive) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => {
      if (this.alive) this.child.kill('SIGKILL');
    }, graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }
}

/** Last resort on harness exit: SIGKILL every child still running, by pid. */
export function killAll(): void {
  for (const proc of running) proc.kill('SIGKILL');
}

export function priorities(): string {
  return MAY_RAISE_PRIORITY ? 'measured processes at nice -10, the feeder SCHED_FIFO' : 'default priorities (not root)';
}

export function runningCount(): number {
  return running.size;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU time of a process (all its threads), in µs. */
export function cpuMicros(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12 here.
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * For `eventually(...).catch(...)`: a wait that timed out yields `fallback` (a benchmark reports
 * what it got instead of failing the run); any other error, e.g. a broken check, still throws.
 */
export function onTimeout<T>(fallback: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof EventuallyTimeoutError) return fallback;
    throw error;
  };
}
