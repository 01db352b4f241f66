import { gatewayFacts, listFiles, readYaml, readYamlDocuments, roleList, type GatewayFacts, type Yaml } from './deploy-files';

type Manifest = Yaml;

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe('deploy/k8s manifests', () => {
  let facts: GatewayFacts;
  let manifests: Manifest[];
  let kustomization: Manifest;
  let gatewayDeployments: Manifest[];

  beforeAll(() => {
    facts = gatewayFacts();
    kustomization = readYaml('deploy/k8s/kustomization.yaml');
    manifests = listFiles('deploy/k8s')
      .filter((file) => file !== 'kustomization.yaml')
      .flatMap((file) => readYamlDocuments(`deploy/k8s/${file}`));
    const gatewayImage = kustomization.images[0].name;
    gatewayDeployments = manifests.filter(
      (manifest) => manifest.kind === 'Deployment' && manifest.spec.template.spec.containers.some((container: Yaml) => container.image === gatewayImage),
    );
  });

  it('parse, and the kustomization lists every manifest file', () => {
    expect([...kustomization.resources].sort()).toEqual(
      listFiles('deploy/k8s')
        .filter((file) => file !== 'kustomization.yaml')
        .sort(),
    );
    for (const manifest of manifests)
      expect(typeof manifest.apiVersion === 'string' && typeof manifest.kind === 'string' && typeof manifest.metadata?.name === 'string').toBe(true);
  });

  it('have one Deployment per role, two engines (active + standby) and scalable edges', () => {
    const roles = gatewayDeployments.map((deployment) => {
      const env = deployment.spec.template.spec.containers[0].env as { name: string; value?: string }[];
      return [deployment.metadata.name, env.find((variable) => variable.name === 'MDG_ROLES')?.value, deployment.spec.replicas];
    });
    expect(roles).toEqual(
      expect.arrayContaining([
        ['mdg-engine', 'engine', 2],
        ['mdg-edge', 'edge', 2],
        ['mdg-worker', 'worker', 2],
      ]),
    );
    expect(roles.length).toBe(3);
  });

  it('name only env vars, roles, ports and paths the gateway uses; probe /readyz and /healthz; request resources; run as non-root', () => {
    for (const deployment of gatewayDeployments) {
      const pod = deployment.spec.template;
      expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
      for (const container of pod.spec.containers) {
        const name = `${deployment.metadata.name}/${container.name}`;
        const env = container.env as { name: string; value?: string; valueFrom?: unknown }[];
        for (const variable of env) expect([name, variable.name, facts.envVars.has(variable.name)]).toEqual([name, variable.name, true]);
        const value = (variable: string): string | undefined => env.find((entry) => entry.name === variable)?.value;
        for (const role of roleList(value('MDG_ROLES') ?? 'all')) expect(facts.roles.has(role)).toBe(true);
        const redisHost = /^redis:\/\/([^:/]+):(\d+)$/.exec(value('REDIS_URL') ?? '');
        const redisService = manifests.find((manifest) => manifest.kind === 'Service' && manifest.metadata.name === redisHost?.[1]);
        expect([name, redisService?.spec.ports[0].port]).toEqual([name, Number(redisHost?.[2])]);

        const port = Number(value('PORT') ?? facts.defaultPort);
        const http = container.ports.find((entry: Yaml) => entry.name === 'http');
        expect([name, http?.containerPort]).toEqual([name, port]);
        expect([name, container.readinessProbe.httpGet]).toEqual([name, { path: '/readyz', port: 'http' }]);
        expect([name, container.livenessProbe.httpGet]).toEqual([name, { path: '/healthz', port: 'http' }]);
        for (const path of ['/readyz', '/healthz', pod.metadata.annotations['prometheus.io/path']])
          expect([name, path, facts.httpPaths.has(path)]).toEqual([name, path, true]);
        expect(Number(pod.metadata.annotations['prometheus.io/port'])).toBe(port);
        expect([name, container.resources.requests.cpu !== undefined && container.resources.requests.memory !== undefined]).toEqual([name, true]);
      }
    }
  });

  it('protect each role with a PodDisruptionBudget, and route the edge Service to the edge pods', () => {
    for (const deployment of gatewayDeployments) {
      const labels = deployment.spec.template.metadata.labels;
      expect(matches(deployment.spec.selector.matchLabels, labels)).toBe(true);
      const budgets = manifests.filter((manifest) => manifest.kind === 'PodDisruptionBudget' && matches(manifest.spec.selector.matchLabels, labels));
      expect([deployment.metadata.name, budgets.length]).toEqual([deployment.metadata.name, 1]);
    }
    const edge = gatewayDeployments.find((deployment) => deployment.metadata.name === 'mdg-edge');
    const services = manifests.filter((manifest) => manifest.kind === 'Service' && matches(manifest.spec.selector, edge.spec.template.metadata.labels));
    expect(services.map((service) => [service.metadata.name, service.spec.ports[0].targetPort, service.spec.sessionAffinity])).toEqual([
      ['mdg-edge', 'http', 'ClientIP'],
    ]);
  });
});
