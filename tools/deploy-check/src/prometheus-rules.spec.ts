import { promtool, readYaml, type Yaml } from './deploy-files';

describe('deploy/prometheus: promtool accepts the config and the rules, and the rules fire as intended', () => {
  it('promtool check config prometheus.yml (rule files included)', () => {
    const { status, output } = promtool('check', 'config', 'prometheus.yml');
    expect({ status, output }).toMatchObject({ status: 0 });
    expect(output).toContain('SUCCESS: 1 rule files found');
  });

  it('promtool check rules alerts.yml', () => {
    const { status, output } = promtool('check', 'rules', 'alerts.yml');
    expect({ status, output }).toMatchObject({ status: 0 });
  });

  it('promtool test rules alerts.test.yml (each alert fires when it should, and only then)', () => {
    const { status, output } = promtool('test', 'rules', 'alerts.test.yml');
    expect({ status, output }).toMatchObject({ status: 0 });
  });

  it('covers what SREs asked for, each alert with a severity, a summary and a description', () => {
    const rules = (readYaml('deploy/prometheus/alerts.yml').groups as { rules: Yaml[] }[]).flatMap((group) => group.rules);
    const names = rules.map((rule) => rule.alert as string);
    expect(new Set(names).size).toBe(names.length);
    // Gateway down, no ticks, tick-to-wire p99, bus lag, Redis disconnected, queue backlog, slow-client closes, engine takeover.
    expect(names).toEqual(
      expect.arrayContaining([
        'MdgGatewayDown',
        'MdgNoTrades',
        'MdgEdgeNoUpdates',
        'MdgTickToWireP99High',
        'MdgBusLagHigh',
        'MdgRedisDisconnected',
        'MdgJobQueueBacklog',
        'MdgSlowClientClosesSpiking',
        'MdgEngineTakeover',
      ]),
    );
    for (const rule of rules) {
      expect([rule.alert, rule.labels?.severity]).toEqual([rule.alert, expect.stringMatching(/^(critical|warning|info)$/)]);
      expect([rule.alert, typeof rule.annotations?.summary, typeof rule.annotations?.description]).toEqual([rule.alert, 'string', 'string']);
    }
    const tested = readYaml('deploy/prometheus/alerts.test.yml').tests.flatMap((test: Yaml) =>
      test.alert_rule_test.map((case_: Yaml) => case_.alertname as string),
    );
    expect(new Set(tested)).toEqual(
      new Set([
        'MdgGatewayDown',
        'MdgNoTrades',
        'MdgEngineTakeover',
        'MdgNoActiveEngine',
        'MdgSeveralActiveEngines',
        'MdgRedisDisconnected',
        'MdgEdgeNoUpdates',
        'MdgTickToWireP99High',
        'MdgSlowClientClosesSpiking',
        'MdgJobQueueBacklog',
        'MdgJobFailuresRising',
        'MdgJobsFailedForGood',
        'MdgCandleQueueDropping',
      ]),
    );
  });
});
