import { once } from 'node:events';
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  InvalidConfigError,
  InvalidFeedInputError,
  InvalidTradeError,
  systemClock,
  validateTrade,
  type Clock,
  type InstrumentRegistry,
  type Trade,
} from '@mdg/model';
import type { Feed, FeedHandlers, FeedState, FeedStats } from './feed';
import { guardHandlers } from './guard-handlers';

export interface ReplayFeedOptions {
  /** NDJSON file: one JSON Trade per line (the Trade fields); blank lines are skipped. */
  path: string;
  /** Trades are validated against it; lines naming untracked instruments are rejected. */
  registry: InstrumentRegistry;
  /** 1 = the recorded spacing between trade times, 10 = ten times faster, 0 = as fast as possible. Default 1. */
  speed?: number;
  /** Paces playback and is "now" for validation. Default systemClock. */
  clock?: Clock;
  /**
   * Replay an old recording as "now": the first trade gets this time, every later one its
   * offset from the first divided by `speed` (so trade times track the wall clock), or
   * undivided at speed 0. Unset: recorded times are kept.
   */
  rebaseTimeTo?: number;
  /** At speed 0, yield to the event loop after this many lines so a server stays responsive. Default 1000. */
  yieldEvery?: number;
  /** Feed name. Default 'replay'. */
  name?: string;
}

/**
 * Plays an NDJSON trade recording, streamed line by line (never loaded whole), as a Feed.
 * The file is untrusted input: each line goes through validateTrade; a bad line is reported
 * as InvalidFeedInputError('<path>:line N', reason), counted, and skipped. The feed ends by
 * itself at the end of the file (state 'stopped', `finished` resolves); stop() ends it early.
 */
export class ReplayFeed implements Feed {
  readonly name: string;
  /** Resolves when playback is over: end of file, stop(), or a read failure. Never rejects. */
  readonly finished: Promise<void>;
  private readonly path: string;
  private readonly registry: InstrumentRegistry;
  private readonly speed: number;
  private readonly clock: Clock;
  private readonly rebaseTimeTo: number | undefined;
  private readonly yieldEvery: number;
  private resolveFinished: () => void = () => undefined;
  private current: FeedState = 'idle';
  private stopping = false;
  private lines: readline.Interface | undefined;
  private wake: (() => void) | undefined;
  private emitted = 0;
  private rejected = 0;

  constructor(options: ReplayFeedOptions) {
    const problems: string[] = [];
    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed < 0) problems.push(`speed must be a finite number >= 0, got ${speed}`);
    const yieldEvery = options.yieldEvery ?? 1000;
    if (!Number.isInteger(yieldEvery) || yieldEvery < 1) problems.push(`yieldEvery must be a positive integer, got ${yieldEvery}`);
    if (options.rebaseTimeTo !== undefined && !Number.isSafeInteger(options.rebaseTimeTo))
      problems.push(`rebaseTimeTo must be integer unix ms, got ${options.rebaseTimeTo}`);
    if (typeof options.path !== 'string' || options.path.length === 0) problems.push('path must be a non-empty string');
    if (problems.length > 0) throw new InvalidConfigError(problems);
    this.name = options.name ?? 'replay';
    this.path = options.path;
    this.registry = options.registry;
    this.speed = speed;
    this.clock = options.clock ?? systemClock;
    this.rebaseTimeTo = options.rebaseTimeTo;
    this.yieldEvery = yieldEvery;
    this.finished = new Promise<void>((resolve) => {
      this.resolveFinished = resolve;
    });
  }

  /** Resolves at once; playback runs in the background and reports through `handlers`. */
  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a second start() rejects (the Feed contract) rather than throws
  async start(handlers: FeedHandlers): Promise<void> {
    if (this.current !== 'idle') throw new Error(`feed ${this.name}: start() called in state '${this.current}'; a feed starts once`);
    this.current = 'live';
    // play() catches everything itself and always settles `finished`.
    void this.play(guardHandlers(handlers, this.name));
  }

  async stop(): Promise<void> {
    if (this.current === 'idle') {
      this.current = 'stopped';
      this.resolveFinished();
      return;
    }
    this.stopping = true;
    this.wake?.();
    this.lines?.close();
    await this.finished;
  }

  state(): FeedState {
    return this.current;
  }

  stats(): FeedStats {
    return { emitted: this.emitted, rejected: this.rejected };
  }

  private async play(handlers: FeedHandlers): Promise<void> {
    let lineNumber = 0;
    let input: fs.ReadStream | undefined;
    try {
      input = fs.createReadStream(this.path, { encoding: 'utf8' });
      // While playing, the line loop below sees read errors and reports them. Once stop() ended
      // the loop nobody listens: the open of a stream stopped at once may still fail later (the
      // file removed meanwhile), which must not become an uncaught exception.
      input.on('error', () => undefined);
      const lines = readline.createInterface({ input, crlfDelay: Infinity });
      this.lines = lines;
      let firstTime: number | undefined;
      let startedAt = 0;
      let sinceYield = 0;
      for await (const line of lines) {
        if (this.stopping) break;
        lineNumber++;
        if (line.trim().length > 0) {
          const trade = this.parse(line, lineNumber, handlers);
          if (trade) {
            if (firstTime === undefined) {
              firstTime = trade.time;
              startedAt = this.clock.now();
            }
            if (this.speed > 0) {
              // Scheduled from the start, not from the previous trade, so timer lateness never accumulates.
              const wait = startedAt + (trade.time - firstTime) / this.speed - this.clock.now();
              if (wait >= 1) await this.sleep(wait);
              if (this.stopping) break;
            }
            handlers.onTrade(this.rebase(trade, firstTime));
            this.emitted++;
          }
        }
        if (++sinceYield >= this.yieldEvery) {
          sinceYield = 0;
          await yieldToEventLoop();
        }
      }
    } catch (error) {
      if (!this.stopping) {
        const location = lineNumber === 0 ? this.path : `${this.path}:line ${lineNumber}`;
        handlers.onError(new InvalidFeedInputError(location, `replay aborted: ${error instanceof Error ? error.message : String(error)}`));
      }
    } finally {
      this.lines?.close();
      // stop() resolves only once the file is closed: a pending open completes and is closed, never leaked.
      if (input !== undefined && !input.closed) {
        const closed = once(input, 'close');
        input.destroy();
        await closed;
      }
      this.current = 'stopped';
      this.resolveFinished();
    }
  }

  private parse(line: string, lineNumber: number, handlers: FeedHandlers): Trade | undefined {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      this.reject(handlers, lineNumber, `not JSON (${error instanceof Error ? error.message : String(error)})`);
      return undefined;
    }
    try {
      return validateTrade(raw, this.registry, this.clock.now());
    } catch (error) {
      if (!(error instanceof InvalidTradeError)) throw error;
      this.reject(handlers, lineNumber, error.message);
      return undefined;
    }
  }

  private reject(handlers: FeedHandlers, lineNumber: number, reason: string): void {
    this.rejected++;
    handlers.onError(new InvalidFeedInputError(`${this.path}:line ${lineNumber}`, reason));
  }

  private rebase(trade: Trade, firstTime: number): Trade {
    if (this.rebaseTimeTo === undefined) return trade;
    const offset = (trade.time - firstTime) / (this.speed > 0 ? this.speed : 1);
    return Object.freeze({ ...trade, time: this.rebaseTimeTo + Math.round(offset) });
  }

  /** A pacing wait that stop() can cut short. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
