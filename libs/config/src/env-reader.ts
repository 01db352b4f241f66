import type { Env } from './env';

/**
 * Reads typed values from an environment and collects every problem instead of stopping at
 * the first, so an operator sees all bad values at once.
 */
export class EnvReader {
  readonly problems: string[] = [];
  /** Every variable name asked for (the settings registry test compares it with KNOWN_SETTINGS). */
  readonly names = new Set<string>();

  constructor(private readonly env: Env) {}

  /** The raw value; empty counts as unset (`FOO= npm start` means "use the default"). */
  raw(name: string): string | undefined {
    this.names.add(name);
    const value = this.env[name];
    return value === '' ? undefined : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  }

  text(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  list(name: string, fallback: string): string[] {
    return this.text(name, fallback)
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter((item) => item.length > 0);
  }

  flag(name: string, fallback: boolean): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    this.problems.push(`${name} must be true or false, got ${JSON.stringify(raw)}`);
    return fallback;
  }

  /** REDIS_URL, shared by the gateway and the CLI: unset or a redis:// / rediss:// URL. */
  redisUrl(name: string): string | undefined {
    const url = this.raw(name);
    if (url !== undefined && !/^rediss?:\/\//.test(url)) this.problems.push(`${name} must start with redis:// or rediss://, got ${JSON.stringify(url)}`);
    return url;
  }
}
