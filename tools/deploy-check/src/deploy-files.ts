import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { KNOWN_SETTINGS, loadGatewayConfig, ROLES } from '@mdg/config';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '../../..');
export const DEPLOY = path.join(ROOT, 'deploy');

export function readText(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

export function exists(relative: string): boolean {
  return existsSync(path.join(ROOT, relative));
}

/**
 * A parsed YAML document. Deploy files are free-form and the specs walk them, checking every
 * value they read with expect; a shape type per file would be a second, unchecked copy of it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: the specs assert the shape
export type Yaml = any;

/** One YAML document (compose files use `<<` merge keys); throws on any parse error. */
export function readYaml(relative: string): Yaml {
  return parse(readText(relative), { merge: true, prettyErrors: true });
}

/** Every document of a multi-document YAML file (Kubernetes manifests); throws on any parse error. */
export function readYamlDocuments(relative: string): Yaml[] {
  const documents = parseAllDocuments(readText(relative), { merge: true, prettyErrors: true });
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`${relative}: ${document.errors.map((error) => error.message).join('; ')}`);
  }
  return documents.map((document) => document.toJSON() as unknown).filter((value) => value !== null);
}

export function listFiles(relative: string): string[] {
  return readdirSync(path.join(ROOT, relative));
}

/**
 * What the gateway code actually reads and serves, taken from its source text so the
 * deploy files can only name things that exist.
 */
export interface GatewayFacts {
  /** Environment variables the gateway reads (@mdg/config's KNOWN_SETTINGS, checked there against its loader). */
  envVars: ReadonlySet<string>;
  /** Values MDG_ROLES accepts (ROLES in @mdg/config, plus `all`). */
  roles: ReadonlySet<string>;
  /** The PORT default of loadGatewayConfig. */
  defaultPort: number;
  /** GET paths libs/http registers (/healthz, /readyz, /metrics, ...). */
  httpPaths: ReadonlySet<string>;
}

export function gatewayFacts(): GatewayFacts {
  // From the config library itself (it was a regex over the source while config lived in the app).
  const envVars = new Set(Object.entries(KNOWN_SETTINGS).flatMap(([name, reader]) => (reader.includes('gateway') ? [name] : [])));
  const roles = new Set<string>([...ROLES, 'all']);
  const routes = readText('libs/http/src/http-routes.ts');
  const httpPaths = new Set([...routes.matchAll(/app\.get\('(\/[a-z-]*)'/g)].map((match) => match[1]!));
  return { envVars, roles, defaultPort: loadGatewayConfig({}).port, httpPaths };
}

/** The MDG_ROLES value as a list (`engine,edge` → [engine, edge]). */
export function roleList(value: string): string[] {
  return value.split(',').map((role) => role.trim().toLowerCase());
}

/** `promtool <args>` in deploy/prometheus; the Debian `prometheus` package provides it (scripts/pretest.sh installs it). */
export function promtool(...args: string[]): { status: number; output: string } {
  const result = spawnSync('promtool', args, { cwd: path.join(DEPLOY, 'prometheus'), encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined) {
    const hint =
      (result.error as NodeJS.ErrnoException).code === 'ENOENT' ? ' (promtool is missing: run `npm run pretest` as root, or apt-get install prometheus)' : '';
    throw new Error(`promtool ${args.join(' ')} failed to run: ${result.error.message}${hint}`);
  }
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}
