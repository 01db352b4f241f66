import { Script } from 'node:vm';
import { DASHBOARD_CONTENT_TYPE, dashboardPage, jsonForScriptElement } from './dashboard-page';
import { DASHBOARD_MARKUP } from './dashboard-markup';
import { DASHBOARD_SCRIPT } from './dashboard-script';
import { DASHBOARD_STYLES } from './dashboard-styles';

function configOf(body: string): unknown {
  const match = /<script type="application\/json" id="mdg-config">([^<]*)<\/script>/.exec(body);
  if (match === null) throw new Error('no config element in the page');
  return JSON.parse(match[1]!);
}

describe('dashboardPage', () => {
  it('is one HTML document with its CSS and script inline and nothing from another origin', () => {
    const page = dashboardPage({});
    expect(page.contentType).toBe(DASHBOARD_CONTENT_TYPE);
    expect(page.body.startsWith('<!doctype html>')).toBe(true);
    expect(page.body).toContain(`<style>${DASHBOARD_STYLES}</style>`);
    expect(page.body).toContain(`<script>${DASHBOARD_SCRIPT}</script>`);
    // Every URL it uses is on the gateway itself.
    expect(page.body).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(DASHBOARD_SCRIPT).toContain("'/socket.io/socket.io.min.js'");
    expect(DASHBOARD_SCRIPT).toContain("'/instruments'");
    expect(DASHBOARD_SCRIPT).toContain("'/api-ws'");
    expect(DASHBOARD_SCRIPT).toContain("'/ws/chart-live?apiKey='");
  });

  it('ships a script that parses, cannot end its own element, and never writes HTML from data', () => {
    expect(() => new Script(DASHBOARD_SCRIPT)).not.toThrow();
    for (const part of [DASHBOARD_SCRIPT, DASHBOARD_STYLES]) {
      expect(part).not.toContain('</');
      expect(part).not.toContain('<!--');
    }
    expect(DASHBOARD_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    expect(DASHBOARD_MARKUP).not.toMatch(/<script/i);
  });

  it('passes the demo key as inert JSON, whatever it contains', () => {
    const hostile = 'ci_test_x</script><script>alert(1)</script><!--\u2028&';
    const page = dashboardPage({ demoKey: hostile });
    expect(page.body).not.toContain('alert(1)</script>');
    expect(page.body.match(/<\/script>/g)).toHaveLength(2);
    expect(configOf(page.body)).toEqual({ demoKey: hostile });
  });

  it('passes no demo key when none (or an empty one) is given', () => {
    expect(configOf(dashboardPage({}).body)).toEqual({ demoKey: null });
    expect(configOf(dashboardPage({ demoKey: '' }).body)).toEqual({ demoKey: null });
    expect(configOf(dashboardPage({ demoKey: 'ci_test_abc' }).body)).toEqual({ demoKey: 'ci_test_abc' });
  });

  it('escapes <, >, &, U+2028 and U+2029 in the embedded JSON', () => {
    expect(jsonForScriptElement({ a: '<>&\u2028\u2029' })).toBe('{"a":"\\u003c\\u003e\\u0026\\u2028\\u2029"}');
  });
});
