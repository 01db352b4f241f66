import * as path from 'node:path';
import { exists, gatewayFacts, readText, readYaml, roleList, type GatewayFacts } from './deploy-files';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
  command?: string[];
}

const GATEWAY_IMAGE = 'mdg-gateway:local';

/** Images the stack may use besides the gateway's own, pinned to a version (never `latest`). */
const THIRD_PARTY_IMAGES = [
  /^redis:7\.\d+(-[a-z]+)?$/,
  /^haproxy:\d+\.\d+(-[a-z]+)?$/,
  /^prom\/prometheus:v\d+\.\d+\.\d+$/,
  /^grafana\/grafana:\d+\.\d+\.\d+$/,
];

describe('deploy/compose.yaml', () => {
  let facts: GatewayFacts;
  let services: Record<string, ComposeService>;
  let gateways: [string, ComposeService][];

  beforeAll(() => {
    facts = gatewayFacts();
    services = readYaml('deploy/compose.yaml').services;
    gateways = Object.entries(services).filter(([, service]) => service.image === GATEWAY_IMAGE);
  });

  it('parses, and runs Redis, two engines (active + standby), two edges behind a load balancer, a worker, Prometheus and Grafana', () => {
    const byRole = (role: string): string[] =>
      gateways.filter(([, service]) => roleList(service.environment?.['MDG_ROLES'] ?? 'all').includes(role)).map(([name]) => name);
    expect(byRole('engine')).toEqual(['engine-a', 'engine-b']);
    expect(byRole('edge')).toEqual(['edge-a', 'edge-b']);
    expect(byRole('worker')).toEqual(['worker']);
    expect(Object.keys(services).sort()).toEqual(['edge-a', 'edge-b', 'engine-a', 'engine-b', 'grafana', 'lb', 'prometheus', 'redis', 'worker']);
  });

  it('names only images it builds from deploy/Dockerfile or pinned official ones', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image === GATEWAY_IMAGE) {
        expect([name, service.build]).toEqual([name, { context: '..', dockerfile: 'deploy/Dockerfile' }]);
        expect(exists(path.join('deploy', service.build!.context, service.build!.dockerfile))).toBe(true);
      } else {
        expect([name, THIRD_PARTY_IMAGES.some((pattern) => pattern.test(service.image ?? ''))]).toEqual([name, true]);
      }
    }
  });

  it('gives the gateways only environment variables and roles that the gateway config (@mdg/config) reads', () => {
    expect(gateways.length).toBe(5);
    for (const [name, service] of gateways) {
      const env = service.environment ?? {};
      for (const variable of Object.keys(env)) expect([name, variable, facts.envVars.has(variable)]).toEqual([name, variable, true]);
      for (const role of roleList(env['MDG_ROLES'] ?? 'all')) expect([name, role, facts.roles.has(role)]).toEqual([name, role, true]);
      // Several roles in separate processes only work with Redis (loadGatewayConfig refuses otherwise).
      expect(env['REDIS_URL']).toBe('redis://redis:6379');
      expect(env['MDG_FEED']).toMatch(/^(\$\{MDG_FEED:-simulator\}|simulator)$/);
    }
    const nodeIds = gateways.map(([, service]) => service.environment?.['MDG_NODE_ID']);
    expect(new Set(nodeIds).size).toBe(gateways.length);
    // Exactly one demo key set for the whole stack.
    expect(gateways.filter(([, service]) => service.environment?.['MDG_DEMO_KEYS'] === 'true').map(([name]) => name)).toEqual(['edge-a']);
  });

  it('wires ports consistently: the gateway PORT behind HAProxy, HAProxy published on 8080', () => {
    const ports = new Set(gateways.map(([, service]) => Number(service.environment?.['PORT'] ?? facts.defaultPort)));
    expect([...ports]).toEqual([8080]);
    const haproxy = readText('deploy/haproxy/haproxy.cfg');
    const bind = /frontend public\s+bind :(\d+)/.exec(haproxy);
    expect(services['lb']!.ports).toEqual([`\${MDG_PORT:-8080}:${bind?.[1]}`]);
    const servers = [...haproxy.matchAll(/^\s*server (\S+) (\S+):(\d+)/gm)].map((match) => [match[2], Number(match[3])]);
    expect(servers).toEqual(
      gateways.filter(([, service]) => roleList(service.environment?.['MDG_ROLES'] ?? 'all').includes('edge')).map(([name]) => [name, 8080]),
    );
    const check = /option httpchk GET (\S+)/.exec(haproxy)?.[1];
    expect(facts.httpPaths.has(check ?? '')).toBe(true);
  });

  it('mounts files that exist and depends only on services it defines', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect([name, source, exists(path.join('deploy', source))]).toEqual([name, source, true]);
      }
      const dependencies = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dependency of dependencies) expect([name, dependency, dependency in services]).toEqual([name, dependency, true]);
    }
  });
});
