/**
 * `npm start -- --console <port>` as users run it in a clone: the demo CSMS in its own process, charge points of the
 * three versions connected, and the console's page in headless Chromium showing each of them and its BootNotification.
 */
import { afterAll, expect, test } from 'vitest';
import * as v16 from '../../src/v16/index.ts';
import * as v21 from '../../src/v21/index.ts';
import * as v201 from '../../src/v201/index.ts';
import { freePort, runCommand, START_TIMEOUT } from '../integration/process.ts';
import { sleep } from '../server/helpers.ts';
import { collectErrors, launchChromium } from './browser.ts';

const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** Waits until `url` answers 200 (the process is starting, and the page is bundled on first use). */
async function whenServing(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${ms} ms`);
    await sleep(100);
  }
}

test('npm start -- --console <port> shows every connected charge point of the three versions and its BootNotification', async () => {
  const [port, consolePort] = [await freePort(), await freePort()];
  const child = runCommand('npm', [
    'start',
    '--',
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--console',
    String(consolePort),
    '--log-level',
    'warn',
  ]);
  stops.push(() => child.kill());
  const consoleUrl = `http://127.0.0.1:${consolePort}/`;
  await whenServing(`${consoleUrl}app.js`, START_TIMEOUT);
  const url = `ws://127.0.0.1:${port}`;
  const cp16 = new v16.Client({ url, identity: 'SIM-16' });
  const stations = [new v201.Client({ url, identity: 'SIM-201' }), new v21.Client({ url, identity: 'SIM-21' })];
  for (const client of [cp16, ...stations]) {
    stops.push(() => client.stop());
    await client.connect();
  }
  await cp16.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'One' });
  for (const client of stations as v201.Client[]) {
    await client.call('BootNotification', { reason: 'PowerUp', chargingStation: { model: 'Two', vendorName: 'Acme' } });
  }
  const browser = await launchChromium();
  stops.push(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = collectErrors(page);
  await page.goto(consoleUrl);
  for (const [identity, version] of [
    ['SIM-16', '1.6'],
    ['SIM-201', '2.0.1'],
    ['SIM-21', '2.1'],
  ]) {
    const row = page.locator(`#charge-points .vrow[data-identity="${identity}"]`);
    await row.waitFor({ timeout: 3000 });
    expect(await row.locator('.version').textContent()).toBe(version);
    for (const kind of ['CALL', 'CALLRESULT']) {
      await page
        .locator(`#log .vrow[data-identity="${identity}"][data-action="BootNotification"][data-kind="${kind}"]`)
        .waitFor({ timeout: 3000 });
    }
  }
  expect(errors).toEqual([]);
}, 45_000);
