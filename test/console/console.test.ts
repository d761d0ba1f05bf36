/**
 * The console in a real browser: a demo CSMS with the console attached, charge points of each version connected
 * over real sockets, and headless Chromium driving the page.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { attachConsole, type OcppConsole } from '../../src/console/index.ts';
import { createDemoCsms } from '../../src/demo/index.ts';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { within } from '../server/helpers.ts';
import { collectErrors, launchChromium } from './browser.ts';

const HOST = '127.0.0.1';
const ROOT = new URL('../..', import.meta.url).pathname;
/** Screenshots go to .scratch/ on every run, and into the docs with OCPPKIT_UPDATE_SCREENSHOTS=1. */
const SHOTS = process.env.OCPPKIT_UPDATE_SCREENSHOTS ? join(ROOT, 'docs', 'images') : join(ROOT, '.scratch', 'console');

const now = () => new Date().toISOString();

const demo = createDemoCsms({ host: HOST });
let url = '';
let console_: OcppConsole;
let browser: Browser;
let page: Page;
let errors: string[];
const cleanup: (() => Promise<unknown>)[] = [];

/** What each simulated charge point was asked. */
const resets: unknown[] = [];
const variableRequests: unknown[] = [];

class Charger16 extends v16.Client {
  onReset(request: v16.ResetRequest): v16.ResetResponse {
    resets.push(request);
    return { status: 'Accepted' };
  }
}

class Station201 extends v201.Client {
  onGetVariables(request: v201.GetVariablesRequest): v201.GetVariablesResponse {
    variableRequests.push(request);
    return {
      getVariableResult: request.getVariableData.map(({ component, variable }) => ({
        attributeStatus: 'Accepted' as const,
        attributeValue: `${component.name}.${variable.name}=42`,
        component,
        variable,
      })),
    };
  }
}

async function connect16(identity: string) {
  const cp = new Charger16({ url: `ws://${HOST}:${demo.server.address?.port}`, identity });
  cleanup.push(() => cp.stop());
  await cp.connect();
  await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'One' });
  return cp;
}

async function connect2(Client: typeof v201.Client | typeof v21.Client, identity: string) {
  const cp = new (Client as typeof v201.Client)({ url: `ws://${HOST}:${demo.server.address?.port}`, identity });
  cleanup.push(() => cp.stop());
  await cp.connect();
  await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { model: 'Two', vendorName: 'Acme' } });
  return cp;
}

const row = (identity: string) => page.locator(`#charge-points .vrow[data-identity="${identity}"]`);
const logRow = (identity: string, action: string, kind: string) =>
  page.locator(`#log .vrow[data-identity="${identity}"][data-action="${action}"][data-kind="${kind}"]`);

beforeAll(async () => {
  await demo.server.listen(0, HOST);
  console_ = await attachConsole(demo.server, { interval: 100 });
  url = console_.url;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  errors = collectErrors(page);
  await page.goto(url);
  await page.locator('#live.on').waitFor({ timeout: 5000 });
  mkdirSync(SHOTS, { recursive: true });
}, 30_000);

afterAll(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  await browser?.close();
  await console_?.close();
  await demo.server.close();
});

describe('the console page', () => {
  test('a charge point of each version appears within 1 s of connecting, and its BootNotification is logged', async () => {
    for (const [identity, start] of [
      ['CP-16', () => connect16('CP-16')],
      ['CS-201', () => connect2(Station201, 'CS-201')],
      ['CS-21', () => connect2(v21.Client, 'CS-21')],
    ] as const) {
      await start();
      await row(identity).waitFor({ timeout: 1000 });
      await logRow(identity, 'BootNotification', 'CALL').waitFor({ timeout: 1000 });
      await logRow(identity, 'BootNotification', 'CALLRESULT').waitFor({ timeout: 1000 });
    }
    await expect(row('CS-201').locator('.version').textContent()).resolves.toBe('2.0.1');
    await expect(row('CS-21').locator('.version').textContent()).resolves.toBe('2.1');
    await expect(page.locator('#cp-count').textContent()).resolves.toBe('3 connected');
  });

  test('a CALL is linked to its answer with the latency, and the frame is pretty-printed', async () => {
    await logRow('CP-16', 'BootNotification', 'CALL').click();
    const detail = page.locator('#log-detail');
    await detail.locator('button.link').waitFor({ timeout: 2000 });
    expect(await detail.locator('button.link').textContent()).toMatch(/^answered · \d+ ms$/);
    const frames = await detail.locator('pre').allTextContents();
    expect(frames).toHaveLength(2);
    expect(JSON.parse(frames[0]!)).toEqual([2, expect.any(String), 'BootNotification', expect.any(Object)]);
    expect(frames[0]).toContain('\n  "BootNotification",');
    expect(JSON.parse(frames[1]!)[2]).toMatchObject({ status: 'Accepted' });
  });

  test('the status from StatusNotification and a transaction with its meter values show', async () => {
    const cp = await connect16('CP-TX');
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
    const { transactionId } = await cp.call('StartTransaction', {
      connectorId: 1,
      idTag: 'TAG',
      meterStart: 1000,
      timestamp: now(),
    });
    for (const wh of [1500, 2600, 4100]) {
      await cp.call('MeterValues', {
        connectorId: 1,
        transactionId,
        meterValue: [{ timestamp: now(), sampledValue: [{ value: String(wh) }] }],
      });
    }
    await row('CP-TX').locator('.status', { hasText: '1: Charging' }).waitFor({ timeout: 2000 });
    const tx = page.locator('#transactions tbody tr').filter({ hasText: 'CP-TX' });
    await tx.waitFor({ timeout: 2000 });
    await tx.click();
    await page.locator('#tx-chart polyline').waitFor({ timeout: 2000 });
    expect((await page.locator('#tx-chart polyline').getAttribute('points'))?.split(' ')).toHaveLength(4);
    expect(await tx.locator('td').nth(4).textContent()).toBe('3.10 kWh');
  });

  test('a Reset (1.6) sent from the form reaches the charge point, and its answer shows', async () => {
    await row('CP-16').click();
    await page.selectOption('#send-action', 'Reset');
    await page.selectOption('#send-form [data-path="/type"]', { label: 'Soft' });
    await page.click('#send-button');
    await page.locator('#send-result[data-outcome="answered"]').waitFor({ timeout: 3000 });
    expect(resets).toEqual([{ type: 'Soft' }]);
    expect(await page.locator('#send-result pre').textContent()).toContain('"status": "Accepted"');
    await logRow('CP-16', 'Reset', 'CALL').waitFor({ timeout: 2000 });
    await logRow('CP-16', 'Reset', 'CALLRESULT').waitFor({ timeout: 2000 });
    await page.screenshot({ path: join(SHOTS, 'console-reset.png') });
  });

  test('a GetVariables (2.0.1) sent from the form reaches the charge point, and its answer shows', async () => {
    await row('CS-201').click();
    await page.selectOption('#send-action', 'GetVariables');
    await page.fill('#send-form [data-path="/getVariableData/0/component/name"]', 'OCPPCommCtrlr');
    await page.fill('#send-form [data-path="/getVariableData/0/variable/name"]', 'HeartbeatInterval');
    await page.click('#send-form [data-add="/getVariableData"]');
    await page.fill('#send-form [data-path="/getVariableData/1/component/name"]', 'SecurityCtrlr');
    await page.fill('#send-form [data-path="/getVariableData/1/variable/name"]', 'Identity');
    await page.click('#send-button');
    await page.locator('#send-result[data-outcome="answered"]').waitFor({ timeout: 3000 });
    expect(variableRequests).toEqual([
      {
        getVariableData: [
          { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
          { component: { name: 'SecurityCtrlr' }, variable: { name: 'Identity' } },
        ],
      },
    ]);
    expect(await page.locator('#send-result pre').textContent()).toContain('OCPPCommCtrlr.HeartbeatInterval=42');
    await logRow('CS-201', 'GetVariables', 'CALLRESULT').waitFor({ timeout: 2000 });
    await logRow('CS-201', 'GetVariables', 'CALL').click();
    await page.screenshot({ path: join(SHOTS, 'console.png') });
  });

  test('a form value that breaks the schema is refused before anything is sent', async () => {
    const sent: string[] = [];
    const chargePoint = demo.server.get('CS-201') as v201.ChargePoint;
    const onOut = ({ data }: { data: string }) => sent.push(data);
    chargePoint.events.on('message:out', onOut);
    try {
      await page.selectOption('#send-action', 'GetVariables');
      await page.fill('#send-form [data-path="/getVariableData/0/component/name"]', 'C'.repeat(51));
      // the variable's name, required, is left empty
      await page.click('#send-button');
      await page.locator('#send-result[data-outcome="invalid"]').waitFor({ timeout: 2000 });
      const problems = await page.locator('#send-result li').allTextContents();
      expect(problems).toContain('/getVariableData/0/component/name must NOT have more than 50 characters');
      expect(problems).toContain('/getVariableData/0/variable/name is required');
      expect(await page.locator('#send-form .field.invalid').count()).toBe(2);
      await page.screenshot({ path: join(SHOTS, 'console-refused.png') });
      // and the server refuses too, should a page skip the check
      const response = await fetch(new URL('api/call', url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identity: 'CS-201', action: 'GetVariables', payload: { getVariableData: [] } }),
      });
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({ ok: false, refused: true, error: 'RequestValidationError' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sent).toEqual([]);
      expect(variableRequests).toHaveLength(1);
    } finally {
      chargePoint.events.off('message:out', onOut);
    }
  });

  test('the log filters by identity, action, direction and errors', async () => {
    await page.fill('#filter-identity', 'CS-21');
    await expect.poll(() => page.locator('#log .vrow:not([hidden])').count(), { timeout: 2000 }).toBeGreaterThan(0);
    const identities = await page
      .locator('#log .vrow:not([hidden])')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-identity')));
    expect(new Set(identities)).toEqual(new Set(['CS-21']));
    await page.fill('#filter-identity', '');
    await page.fill('#filter-action', 'Reset');
    await page.selectOption('#filter-direction', 'out');
    const kinds = await page
      .locator('#log .vrow:not([hidden])')
      .evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-action')} ${r.getAttribute('data-kind')}`));
    expect(kinds).toEqual(['Reset CALL']);
    await page.fill('#filter-action', '');
    await page.selectOption('#filter-direction', '');
    await page.check('#filter-errors');
    await expect.poll(() => page.locator('#log .vrow:not([hidden])').count(), { timeout: 2000 }).toBe(0);
    await page.uncheck('#filter-errors');
  });

  test('a charge point that disconnects leaves the list', async () => {
    const cp = await connect16('CP-GONE');
    await row('CP-GONE').waitFor({ timeout: 1000 });
    await cp.stop();
    await row('CP-GONE').waitFor({ state: 'detached', timeout: 2000 });
  });

  test('the page logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});

describe('the access token', () => {
  test('binding beyond loopback needs a token', async () => {
    await expect(attachConsole(demo.server, { host: '0.0.0.0' })).rejects.toThrow(/needs an access token/);
  });

  test('with a token, every request without it is refused, and the page works with it', async () => {
    const guarded = await attachConsole(demo.server, { host: '0.0.0.0', token: 'open sesame', interval: 100 });
    cleanup.push(() => guarded.close());
    const base = `http://${HOST}:${guarded.port}`;
    for (const path of ['/', '/app.js', '/api/events', '/?token=wrong']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(401);
      await response.body?.cancel();
    }
    const post = await fetch(`${base}/api/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identity: 'CP-16', action: 'Reset', payload: { type: 'Hard' } }),
    });
    expect(post.status).toBe(401);
    expect(resets).toHaveLength(1);
    expect(guarded.url).toBe(`http://127.0.0.1:${guarded.port}/?token=open%20sesame`);
    const other = await browser.newPage();
    const otherErrors = collectErrors(other);
    await other.goto(guarded.url);
    await other.locator('#charge-points .vrow[data-identity="CP-16"]').waitFor({ timeout: 2000 });
    await other.close();
    expect(otherErrors).toEqual([]);
  });
});

test('within a bounded wait, the page stays up to date after a burst of frames', async () => {
  const cp = await connect16('CP-BURST');
  await within(Promise.all(Array.from({ length: 300 }, () => cp.call('Heartbeat'))), 10_000, '300 heartbeats answered');
  await page.fill('#filter-identity', 'CP-BURST');
  await page.fill('#filter-action', 'Heartbeat');
  // Every frame is shown, or counted as skipped when a batch was over its limit (500 frames; the burst's
  // BootNotification may be among the skipped ones).
  const counted = async () => {
    const text = (await page.locator('#log-count').textContent()) ?? '';
    const match = /^(\d+) of \d+(?:, (\d+) skipped under load)?$/.exec(text);
    return match ? Number(match[1]) + Number(match[2] ?? 0) : 0;
  };
  await expect.poll(counted, { timeout: 3000 }).toBeGreaterThanOrEqual(600);
  expect(await counted()).toBeLessThanOrEqual(602);
  // the newest answer is there
  await page.locator('#log .vrow[data-kind="CALLRESULT"]').last().waitFor({ timeout: 2000 });
  // virtualised: far fewer rows in the DOM than frames in the log
  expect(await page.locator('#log .vrow').count()).toBeLessThan(100);
});
