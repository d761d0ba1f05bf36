/** The other runnable examples, run the way their headers say, against a charge point played by hand. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOT, ISO_DATE_TIME, RawClient, sleep, within } from '../server/helpers.ts';
import { type Child, GUIDE_FRAME, runTs, START_TIMEOUT, startServerProcess } from './process.ts';

describe('examples/after-handler-csms.ts', () => {
  let server: { child: Child; port: number };
  beforeAll(async () => {
    server = await startServerProcess('examples/after-handler-csms.ts', [], { PORT: '0' });
  }, START_TIMEOUT + 5000);
  afterAll(() => server?.child.kill());

  it('answers the boot first, then reads and changes the configuration from its @after handler', async () => {
    const client = await RawClient.open(`ws://127.0.0.1:${server.port}/CP_AFTER`, 'ocpp1.6');
    client.send(GUIDE_FRAME);
    // the boot's answer comes before the CSMS's first CALL
    const [first, second] = [await client.next(), await client.next()];
    expect(first).toEqual([
      3,
      '12345',
      { currentTime: expect.stringMatching(ISO_DATE_TIME), interval: 60, status: 'Accepted' },
    ]);
    expect(second).toEqual([
      2,
      expect.any(String),
      'GetConfiguration',
      { key: ['HeartbeatInterval', 'MeterValueSampleInterval'] },
    ]);
    client.send([
      3,
      second[1],
      {
        configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }],
        unknownKey: ['MeterValueSampleInterval'],
      },
    ]);
    const change = await client.next();
    expect(change).toEqual([2, expect.any(String), 'ChangeConfiguration', { key: 'HeartbeatInterval', value: '60' }]);
    client.send([3, change[1], { status: 'Accepted' }]);
    await server.child.waitFor(/HeartbeatInterval changed identity=CP_AFTER model=Optimus status=Accepted/);
    expect(server.child.output).toMatch(
      /configuration key identity=CP_AFTER key=HeartbeatInterval value=300 readonly=false/,
    );
    await client.close();
  });

  it('a CALLERROR from the charge point is logged, not thrown', async () => {
    const client = await RawClient.open(`ws://127.0.0.1:${server.port}/CP_ERR`, 'ocpp1.6');
    client.send(GUIDE_FRAME);
    await client.next();
    const get = await client.next();
    client.send([4, get[1], 'NotSupported', 'no configuration here', {}]);
    await server.child.waitFor(/configuration failed identity=CP_ERR reason=NotSupported: no configuration here/);
    await client.close();
  });

  it('ocppkit connect prints the CSMS’s CALL and answers nothing by itself', async () => {
    const cli = runTs('src/cli/bin.ts', ['connect', `ws://127.0.0.1:${server.port}/CP_CLI`]);
    await cli.waitFor(/^Connected to /m, START_TIMEOUT);
    cli.process.stdin?.write(`${GUIDE_FRAME}\n`);
    await cli.waitFor(/^< \[2,"[^"]+","GetConfiguration",/m);
    await sleep(200);
    // no answer went out: the CSMS is still waiting, so it logged no configuration
    expect(server.child.output).not.toMatch(/identity=CP_CLI key=/);
    cli.process.stdin?.end();
    expect(await within(cli.exited, 5000, 'connect exits')).toEqual({ code: 0, signal: null });
    await server.child.waitFor(/configuration failed identity=CP_CLI/);
  });
});

describe('examples/mixed-versions.ts', () => {
  let server: { child: Child; port: number };
  beforeAll(async () => {
    server = await startServerProcess('examples/mixed-versions.ts', [], { PORT: '0' });
  }, START_TIMEOUT + 5000);
  afterAll(() => server?.child.kill());

  it.each([
    ['ocpp1.6', '1.6 boot'],
    ['ocpp2.0.1', '2.0.1 boot'],
    ['ocpp2.1', '2.1 boot'],
  ] as const)('%s: the boot is accepted by that version’s class', async (protocol, logged) => {
    const identity = `CS-${protocol}`;
    const client = await RawClient.open(`ws://127.0.0.1:${server.port}/${identity}`, protocol);
    expect(client.protocol).toBe(protocol);
    const [type, , payload] = await client.call('1', 'BootNotification', BOOT[protocol]);
    expect(type).toBe(3);
    expect(payload).toEqual({ currentTime: expect.stringMatching(ISO_DATE_TIME), interval: 300, status: 'Accepted' });
    await server.child.waitFor(new RegExp(`${logged} identity=${identity}`));
    if (protocol === 'ocpp2.1') {
      const get = await client.next((f) => f[0] === 2);
      expect(get[2]).toBe('GetVariables');
      client.send([
        3,
        get[1],
        {
          getVariableResult: [
            {
              attributeStatus: 'Accepted',
              attributeValue: '300',
              component: { name: 'OCPPCommCtrlr' },
              variable: { name: 'HeartbeatInterval' },
            },
          ],
        },
      ]);
      await server.child.waitFor(/variable identity=CS-ocpp2.1 variable=HeartbeatInterval attributeStatus=Accepted/);
    }
    await client.close();
  });
});
