import { exists, gatewayFacts, readText, readYaml, type GatewayFacts, type Yaml } from './deploy-files';

describe('deploy/Dockerfile, Prometheus targets, Grafana provisioning', () => {
  let facts: GatewayFacts;
  let services: Record<string, Yaml>;

  beforeAll(() => {
    facts = gatewayFacts();
    services = readYaml('deploy/compose.yaml').services;
  });

  it('the image: glibc-based Node 20 stages, bundles entry points that exist, runs the bundle as a non-root user', () => {
    const dockerfile = readText('deploy/Dockerfile');
    const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    // uWebSockets.js binaries need glibc: Debian, never Alpine (musl).
    expect(nodeImage).toMatch(/^node:20[.\d]*-(bookworm|bookworm-slim)$/);
    expect([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1])).toEqual(['${NODE_IMAGE}', '${NODE_IMAGE}']);
    const bundles = [...dockerfile.matchAll(/esbuild (\S+) .*?--outfile=(\S+)/g)].map((match): [string, string] => [match[1]!, match[2]!]);
    expect(bundles.map(([entry]) => entry)).toEqual(['apps/gateway/src/main.ts', 'apps/cli/src/main.ts']);
    for (const [entry] of bundles) expect(exists(entry)).toBe(true);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(/^USER (\S+)$/m.exec(dockerfile)?.[1]).toBe('node');
    expect(/^CMD \["node", "(\S+)"\]$/m.exec(dockerfile)?.[1]).toBe(bundles[0]![1]);
    expect(Number(/^EXPOSE (\d+)$/m.exec(dockerfile)?.[1])).toBe(facts.defaultPort);
    expect(facts.httpPaths.has(/HEALTHCHECK[\s\S]*?'(\/[a-z]+)'/.exec(dockerfile)?.[1] ?? '')).toBe(true);
    for (const variable of [...dockerfile.matchAll(/^\s+(?:ENV )?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]!)) {
      if (variable !== 'NODE_ENV' && variable !== 'NODE_OPTIONS' && variable !== 'NODE_IMAGE')
        expect([variable, facts.envVars.has(variable)]).toEqual([variable, true]);
    }
  });

  it('Prometheus scrapes the compose services on the ports they serve', () => {
    const config = readYaml('deploy/prometheus/prometheus.yml');
    const haproxyStats = Number(/frontend stats\s+bind :(\d+)/.exec(readText('deploy/haproxy/haproxy.cfg'))?.[1]);
    for (const job of config.scrape_configs) {
      for (const target of job.static_configs.flatMap((entry: Yaml) => entry.targets as string[])) {
        const [host, port] = target.split(':');
        if (host === 'localhost') continue;
        expect([job.job_name, host, host in services]).toEqual([job.job_name, host, true]);
        const expected = job.job_name.startsWith('mdg-') ? Number(services[host].environment?.PORT ?? facts.defaultPort) : haproxyStats;
        expect([target, Number(port)]).toEqual([target, expected]);
      }
    }
    // The alert on `up` matches the gateway jobs.
    expect(config.scrape_configs.filter((job: Yaml) => /^mdg-.*$/.test(job.job_name)).map((job: Yaml) => job.job_name)).toEqual([
      'mdg-engine',
      'mdg-edge',
      'mdg-worker',
    ]);
  });

  it('Grafana gets the Prometheus datasource and the dashboard, which uses it everywhere', () => {
    const datasource = readYaml('deploy/grafana/provisioning/datasources/prometheus.yml').datasources[0];
    expect(datasource.url).toBe('http://prometheus:9090');
    expect(services['prometheus'].ports).toEqual(['9090:9090']);
    const provider = readYaml('deploy/grafana/provisioning/dashboards/mdg.yml').providers[0];
    const mounts = (services['grafana'].volumes as string[]).map((volume) => volume.split(':'));
    expect(mounts).toContainEqual(['./grafana/dashboards', provider.options.path, 'ro']);
    const dashboard = JSON.parse(readText('deploy/grafana/dashboards/mdg.json'));
    expect(services['grafana'].environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${provider.options.path}/mdg.json`);
    const panels = (dashboard.panels as Yaml[]).filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThan(20);
    for (const panel of panels) {
      expect([panel.title, panel.datasource?.uid, panel.targets.length > 0]).toEqual([panel.title, datasource.uid, true]);
      for (const target of panel.targets) expect([panel.title, target.datasource?.uid, typeof target.expr]).toEqual([panel.title, datasource.uid, 'string']);
    }
    // The SRE views the issue asks for.
    const titles = panels.map((panel) => panel.title as string).join('\n');
    for (const wanted of [/Connections/, /Messages sent/, /Tick-to-wire/, /Refusals/, /Bus lag/, /Engine lease/, /Job queue depth/, /Job latency/, /failures/])
      expect(titles).toMatch(wanted);
  });
});
