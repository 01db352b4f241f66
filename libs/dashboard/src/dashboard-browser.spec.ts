import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DashboardTestServer } from './testing/dashboard-test-server';

/**
 * The dashboard in a real Chromium against the real gateway pieces (uWS app, Socket.IO /api-ws,
 * /ws/chart-live, a simulated market). Screenshots go to a temporary directory, removed at
 * the end unless MDG_KEEP_SCREENSHOTS=1 (then its path is printed).
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const WAIT = { timeout: 20_000 };

/** The few DOM shapes the in-page callbacks use (the project compiles without the DOM lib). */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
  readonly value: string;
  querySelector(selector: string): PageElement | null;
}
interface PageCanvas extends PageElement {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: ArrayLike<number> } } | null;
}
declare const document: {
  readonly body: PageElement;
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
};
declare const window: Record<string, unknown>;

interface RowView {
  symbol: string;
  price: string;
  seq: string;
  priceText: string;
  pct: string;
  volume: string;
}

function priceRows(page: Page): Promise<RowView[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('#price-rows tr')].map((row) => ({
      symbol: row.dataset['symbol'] ?? '',
      price: row.dataset['price'] ?? '',
      seq: row.dataset['seq'] ?? '',
      priceText: row.querySelector('td.price')?.textContent ?? '',
      pct: row.querySelector('td.pct')?.textContent ?? '',
      volume: row.querySelector('td.volume')?.textContent ?? '',
    })),
  );
}

/** Pixels of the canvas close to the up or down candle colours (something was really drawn). */
function candlePixels(page: Page): Promise<{ up: number; down: number }> {
  return page.evaluate(() => {
    const canvas = document.getElementById('chart') as PageCanvas;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const near = (i: number, r: number, g: number, b: number): boolean =>
      Math.abs(data[i]! - r) < 12 && Math.abs(data[i + 1]! - g) < 12 && Math.abs(data[i + 2]! - b) < 12 && data[i + 3]! > 200;
    let up = 0;
    let down = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (near(i, 38, 166, 154)) up += 1;
      else if (near(i, 239, 83, 80)) down += 1;
    }
    return { up, down };
  });
}

function statusOf(page: Page, id: 'status-prices' | 'status-chart'): Promise<{ state: string; text: string }> {
  return page.evaluate((elementId) => {
    const element = document.getElementById(elementId)!;
    return { state: element.dataset['state'] ?? '', text: element.querySelector('.text')!.textContent ?? '' };
  }, id);
}

describe('the dashboard in Chromium', () => {
  let server: DashboardTestServer;
  let browser: Browser;
  let shots: string;
  let proKey: string;
  let freeKey: string;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  /** With `clock`, the page's timers are Playwright's fake ones (time still flows; page.clock.runFor jumps ahead). */
  async function openPage(options: { clock?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 960 }, deviceScaleFactor: 1 });
    contexts.push(context);
    const page = await context.newPage();
    if (options.clock === true) await page.clock.install();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => document.body.dataset['ready'] === 'true', undefined, WAIT);
    return page;
  }

  beforeAll(async () => {
    shots = mkdtempSync(path.join(tmpdir(), 'mdg-dashboard-'));
    server = await DashboardTestServer.start();
    proKey = await server.createKey('pro', 'alice');
    freeKey = await server.createKey('free', 'bob');
    server.demoKey = proKey;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    server.extraTokens = [];
    expect(pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (process.env['MDG_KEEP_SCREENSHOTS'] === '1') console.log(`dashboard screenshots kept in ${shots}`);
    else rmSync(shots, { recursive: true, force: true });
  });

  it('goes live with the prefilled demo key: 20 updating prices, and live candles of the chosen token', async () => {
    const page = await openPage();
    expect(await page.inputValue('#api-key')).toBe(proKey);
    await page.waitForFunction(() => document.getElementById('status-prices')!.dataset['state'] === 'live', undefined, WAIT);
    expect((await priceRows(page)).map((row) => row.symbol)).toEqual([
      'BTC',
      'ETH',
      'LTC',
      'XRP',
      'BCH',
      'ADA',
      'DOT',
      'LINK',
      'BNB',
      'DOGE',
      'UNI',
      'SOL',
      'MATIC',
      'AVAX',
      'ATOM',
      'XLM',
      'ALGO',
      'VET',
      'ICP',
      'FIL',
    ]);
    // Every symbol gets a price, then keeps updating (seq grows).
    await page.waitForFunction(() => [...document.querySelectorAll('#price-rows tr')].every((row) => row.dataset['price'] !== ''), undefined, WAIT);
    const before = (await priceRows(page)).map((row) => Number(row.seq));
    await page.waitForFunction(
      (seqs) => [...document.querySelectorAll('#price-rows tr')].filter((row, i) => Number(row.dataset['seq']) > seqs[i]!).length >= 10,
      before,
      WAIT,
    );
    const btc = (await priceRows(page)).find((row) => row.symbol === 'BTC')!;
    expect(Number(btc.price)).toBeGreaterThan(0);
    expect(btc.priceText).toBe(Number(btc.price).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    expect(btc.pct).toMatch(/^[+-]?\d+\.\d\d%$/);
    expect(btc.volume).toMatch(/^\$\d/);

    // The token list comes from /instruments; choose one and a 1 s timeframe.
    const token = server.token(1);
    expect(await page.evaluate(() => [...document.querySelectorAll('#token option')].map((option) => option.value))).toEqual(
      server.registry.tokens().map((t) => t.tokenAddress),
    );
    await page.selectOption('#timeframe', '1');
    await page.selectOption('#token', token.tokenAddress);
    expect((await statusOf(page, 'status-chart')).state).toBe('live');
    // Three buckets: at least two closed (solid) and the newest one.
    await page.waitForFunction(
      (address) => {
        const readout = document.getElementById('readout')!.dataset;
        return (
          readout['token'] === address &&
          readout['timeframe'] === '1' &&
          Number(readout['count']) >= 3 &&
          Number(document.getElementById('chart')!.dataset['candles']) >= 3
        );
      },
      token.tokenAddress,
      WAIT,
    );
    // Read in one go: the open candle keeps changing.
    const readout = await page.evaluate(() => {
      const data = document.getElementById('readout')!.dataset;
      return { time: Number(data['time']), close: Number(data['close']), shown: document.getElementById('ro-close')!.textContent ?? '' };
    });
    expect(readout.time % 1000).toBe(0);
    const close = readout.close;
    expect(close).toBeGreaterThan(0);
    expect(Math.abs(Number(readout.shown.replace(/,/g, '')) - close) / close).toBeLessThan(1e-3);
    expect(await page.textContent('#token-info')).toContain(token.tokenAddress);
    const pixels = await candlePixels(page);
    expect(pixels.up + pixels.down).toBeGreaterThan(50);
    expect(await page.isVisible('#chart-empty')).toBe(false);
    expect(await page.textContent('#errors')).toBe('');
    await page.screenshot({ path: path.join(shots, 'dashboard-live.png'), fullPage: true });
    expect(consoleErrors.splice(0)).toEqual([]);
    expect(server.errors).toEqual([]);
  }, 60_000);

  it('shows "Pro subscription required" for a free key, still charts candles with it, and remembers the key', async () => {
    const page = await openPage();
    await page.fill('#api-key', freeKey);
    await page.click('#connect');
    await page.waitForFunction(() => (document.getElementById('errors')!.textContent ?? '').includes('Pro subscription required'), undefined, WAIT);
    expect(await statusOf(page, 'status-prices')).toEqual({ state: 'error', text: 'Pro subscription required' });
    expect(await page.textContent('#errors .error-item[data-source="api-ws"] .message')).toBe('Pro subscription required (PRO_REQUIRED)');
    // /ws/chart-live takes any valid key.
    await page.waitForFunction(() => Number(document.getElementById('readout')!.dataset['count']) >= 1, undefined, WAIT);
    expect((await statusOf(page, 'status-chart')).state).toBe('live');
    expect((await priceRows(page)).filter((row) => row.price !== '')).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'dashboard-free-key.png'), fullPage: true });

    // A key the user typed wins over the demo key on the next visit.
    await page.reload();
    await page.waitForFunction(() => document.body.dataset['ready'] === 'true', undefined, WAIT);
    expect(await page.inputValue('#api-key')).toBe(freeKey);
  }, 60_000);

  it('shows both refusals for an unknown key, and does not retry it', async () => {
    const page = await openPage({ clock: true });
    const refused = server.charts.stats().connectionsRefused;
    await page.fill('#api-key', 'ci_live_ThisKeyDoesNotExist0123456789');
    await page.click('#connect');
    await page.waitForFunction(
      () => {
        const text = document.getElementById('errors')!.textContent ?? '';
        return text.includes('Authentication failed') && text.includes('Authentication failure');
      },
      undefined,
      WAIT,
    );
    // The chart's close handler has run: this text is set only where it decides not to retry.
    await page.waitForFunction(
      () =>
        document.getElementById('status-chart')!.dataset['state'] === 'error' &&
        document.getElementById('chart-empty')!.textContent === 'Not connected: the key was refused',
      undefined,
      WAIT,
    );
    expect((await statusOf(page, 'status-prices')).state).toBe('error');
    // A retry would be a timer (the first within 1.25 s, any within 37.5 s) whose callback opens a
    // socket and shows 'connecting' at once: fire every timer due in the next minute, then look.
    await page.clock.runFor(60_000);
    expect(await statusOf(page, 'status-chart')).toEqual({ state: 'error', text: 'authentication failure' });
    expect(await page.textContent('#errors')).not.toContain('reconnecting');
    expect(server.charts.stats().connectionsRefused).toEqual({ ...refused, AUTH_FAILED: refused.AUTH_FAILED + 1 });
  }, 60_000);

  it('tells when the key is revoked while live, on both endpoints', async () => {
    const doomed = await server.createKey('pro', 'carol');
    const page = await openPage();
    await page.fill('#api-key', doomed);
    await page.click('#connect');
    await page.waitForFunction(
      () => document.getElementById('status-prices')!.dataset['state'] === 'live' && document.getElementById('status-chart')!.dataset['state'] === 'live',
      undefined,
      WAIT,
    );
    await server.keyStore.revoke(doomed);
    await page.waitForFunction(
      () => document.getElementById('status-prices')!.dataset['state'] === 'error' && document.getElementById('status-chart')!.dataset['state'] === 'error',
      undefined,
      WAIT,
    );
    const errors = await page.textContent('#errors');
    expect(errors).toContain('Disconnected by the server');
    expect(errors).toContain('Authentication failure: API key revoked');
  }, 60_000);

  it('puts data from the server into the page as text, never as HTML, and shows chart-live errors', async () => {
    server.extraTokens = [{ tokenAddress: '<img src=x onerror="window.__pwned=1">', symbol: '<b id="pwned">PWN</b>', quoteToken: '<i>q</i>', decimals: 6 }];
    const page = await openPage();
    await page.waitForFunction(() => document.getElementById('status-chart')!.dataset['state'] === 'live', undefined, WAIT);
    await page.selectOption('#token', '<img src=x onerror="window.__pwned=1">');
    await page.waitForFunction(() => (document.getElementById('errors')!.textContent ?? '').includes('Token not found or not tracked'), undefined, WAIT);
    expect(await page.textContent('#token-info')).toContain('<b id="pwned">PWN</b>');
    expect(await page.textContent('#chart-empty')).toContain('Subscription refused: Token not found or not tracked');
    expect(
      await page.evaluate(() => document.getElementById('pwned') === null && document.querySelector('#token-info img, #errors img, #token-info b') === null),
    ).toBe(true);
    expect(await page.evaluate(() => window['__pwned'])).toBeUndefined();
    // The connection stays usable: back to a tracked token.
    await page.selectOption('#token', server.token(0).tokenAddress);
    await page.waitForFunction(() => Number(document.getElementById('readout')!.dataset['count']) >= 1, undefined, WAIT);
  }, 60_000);
});
