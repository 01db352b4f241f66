/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and summarizes where a server's CPU went: self
 * time by function (native calls into uWS, `(program)` and `(garbage collector)` included),
 * and the inclusive time of the functions the benchmark asks about.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  target: string;
  n: number;
  /** The update period of the profiled step, ms. */
  periodMs: number;
  file: string;
  /** Sampled time, idle excluded, ms. */
  busyMs: number;
  idleMs: number;
  top: { name: string; selfMs: number; share: number }[];
  /** Inclusive time of selected functions (by name), share of busy time. */
  focus: { name: string; inclusiveMs: number; share: number }[];
}

const FOCUS = [
  'onEnvelope',
  'getBufferedAmount',
  'publish',
  'broadcast',
  'broadcastEach',
  'writeToEngine',
  'encode',
  'emit',
  'publishPrices',
  'publishCandles',
  'accept',
  'parse',
  'validateTrade',
];

export function summarizeProfile(file: string, target: string, n: number, periodMs: number): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const label = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    if (url === '') return name;
    const short = url
      .replace(/^file:\/\//, '')
      .replace(/.*node_modules\//, '')
      .replace(/.*\/(libs|apps|bench)\//, '$1/');
    return `${name} ${path.basename(short) === short ? short : short}:${lineNumber + 1}`;
  };
  const selfByName = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    total += us;
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const name = label(node);
    selfByName.set(name, (selfByName.get(name) ?? 0) + us);
  }
  const busy = total - idle;
  const inclusive = (rootFilter: (node: ProfileNode) => boolean): number => {
    // Sum of self time under every node matching the filter, without counting nested matches twice.
    let sum = 0;
    const walk = (node: ProfileNode, inside: boolean) => {
      const matches = rootFilter(node);
      const counted = inside || matches;
      if (counted) sum += selfUs.get(node.id) ?? 0;
      for (const child of node.children ?? []) {
        const next = byId.get(child);
        if (next) walk(next, counted);
      }
    };
    const root = profile.nodes[0];
    if (root) walk(root, false);
    return sum;
  };
  return {
    target,
    n,
    periodMs,
    file: path.basename(file),
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    top: [...selfByName.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: us / busy })),
    focus: FOCUS.map((name) => {
      const us = inclusive((node) => node.callFrame.functionName === name);
      return { name, inclusiveMs: us / 1000, share: us / busy };
    }).filter((entry) => entry.inclusiveMs > 0),
  };
}
