import type { Env } from './env';
import { KNOWN_SETTINGS, isKnownSetting } from './known-settings';
import { nearestName } from './nearest-name';

/**
 * One warning per `MDG_*` variable mdg does not know, naming the nearest known one: a
 * misspelt setting would otherwise be silently ignored and its default used. Only the
 * `MDG_` namespace is checked (the rest of the environment belongs to everyone else).
 */
export function unknownSettingWarnings(env: Env): string[] {
  const known = Object.keys(KNOWN_SETTINGS);
  return Object.keys(env)
    .filter((name) => name.startsWith('MDG_') && !isKnownSetting(name))
    .sort()
    .map((name) => {
      const nearest = nearestName(name, known);
      return `${name} is not a known setting; ${nearest === undefined ? 'it is ignored (see the README for the settings)' : `did you mean ${nearest}?`}`;
    });
}
