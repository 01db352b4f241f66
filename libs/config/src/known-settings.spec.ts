import { EnvReader } from './env-reader';
import { loadCliConfig } from './cli-config';
import { loadGatewayConfig } from './gateway-config';
import { KNOWN_SETTINGS, isKnownSetting } from './known-settings';
import { editDistance, nearestName } from './nearest-name';
import { readStoreSettings } from './store-settings';
import { unknownSettingWarnings } from './unknown-setting-warnings';

/** The names a loader asks for, recorded by wrapping the env in a Proxy (every branch taken: replay and auto-tracking on). */
function namesRead(load: (env: Record<string, string | undefined>) => unknown, env: Record<string, string>): Set<string> {
  const names = new Set<string>();
  const recording = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') names.add(name);
      return target[name as string];
    },
  });
  load(recording);
  return names;
}

describe('the settings registry', () => {
  it('lists exactly what the gateway and the CLI read', () => {
    const branches = { MDG_FEED: 'replay:/tmp/t.ndjson', MDG_AUTO_TRACK_TOKENS: 'true' };
    const read = new Set([...namesRead(loadGatewayConfig, branches), ...namesRead(loadCliConfig, {})]);
    // Enumeration of the whole env (for the unknown-name check) is not a read of a setting.
    const settingsRead = [...read].filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name));
    const byApps = Object.entries(KNOWN_SETTINGS)
      .filter(([, reader]) => /gateway|cli/.test(reader))
      .map(([name]) => name);
    expect(settingsRead.sort()).toEqual(byApps.sort());
  });

  it('marks as read by the CLI exactly what the CLI reads', () => {
    const reader = new EnvReader({});
    readStoreSettings(reader);
    const cli = Object.entries(KNOWN_SETTINGS)
      .filter(([, by]) => by.includes('cli'))
      .map(([name]) => name);
    expect([...reader.names].sort()).toEqual(cli.sort());
  });

  it('names the nearest known setting for plausible typos only', () => {
    expect(nearestName('MDG_REDIS_PREFX', Object.keys(KNOWN_SETTINGS))).toBe('MDG_REDIS_PREFIX');
    expect(nearestName('MDG_FEEDS', Object.keys(KNOWN_SETTINGS))).toBe('MDG_FEED');
    expect(nearestName('MDG_SOMETHING_ELSE_ENTIRELY', Object.keys(KNOWN_SETTINGS))).toBeUndefined();
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('reports every unknown MDG_* variable once, sorted, and nothing outside that namespace', () => {
    expect(unknownSettingWarnings({ MDG_ROLE: 'edge', MDG_ZZZ_WHATEVER_THING: '1', REDIS_URLS: 'x', PATH: '/bin', MDG_FEED: 'simulator' })).toEqual([
      'MDG_ROLE is not a known setting; did you mean MDG_ROLES?',
      'MDG_ZZZ_WHATEVER_THING is not a known setting; it is ignored (see the README for the settings)',
    ]);
    expect(isKnownSetting('toString')).toBe(false);
  });
});
