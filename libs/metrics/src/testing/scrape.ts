/** One sample line of the Prometheus text format. */
export interface ScrapedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * A parsed `/metrics` body, for specs: find a series by name and exact label set. A
 * missing series throws, so a spec never mistakes "not exported" for 0.
 */
export class Scrape {
  readonly samples: readonly ScrapedSample[];
  /** Metric names from the `# TYPE` lines, with their type. */
  readonly types: ReadonlyMap<string, string>;

  constructor(readonly text: string) {
    const samples: ScrapedSample[] = [];
    const types = new Map<string, string>();
    for (const line of text.split('\n')) {
      if (line.startsWith('# TYPE ')) {
        const [name, type] = line.slice('# TYPE '.length).split(' ');
        if (name !== undefined && type !== undefined) types.set(name, type);
        continue;
      }
      if (line === '' || line.startsWith('#')) continue;
      const match = SAMPLE_LINE.exec(line);
      if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const pair of (match[2] ?? '').matchAll(LABEL_PAIR)) labels[pair[1]!] = pair[2]!;
      samples.push({ name: match[1]!, labels, value: Number(match[3]) });
    }
    this.samples = samples;
    this.types = types;
  }

  /** The value of the series with exactly these labels; throws when it is not exported. */
  value(name: string, labels: Record<string, string> = {}): number {
    const wanted = Object.entries(labels);
    const found = this.samples.find(
      (sample) => sample.name === name && Object.keys(sample.labels).length === wanted.length && wanted.every(([key, value]) => sample.labels[key] === value),
    );
    if (found === undefined) throw new Error(`no series ${name}${JSON.stringify(labels)} in the scrape`);
    return found.value;
  }

  /** Every series of a metric name. */
  series(name: string): ScrapedSample[] {
    return this.samples.filter((sample) => sample.name === name);
  }

  /** Metric family names (histogram and summary series folded into their family). */
  families(): Set<string> {
    return new Set(this.types.keys());
  }
}
