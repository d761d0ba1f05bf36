/** The `ocppkit` command line as users run it: `serve` and its flags, `npm start`, `connect` and `simulate`. */
import { describe, expect, it } from 'vitest';
import { ISO_DATE_TIME, RawClient, rawHandshake, readRawFrame, sleep, within } from '../server/helpers.ts';
import { freePort, GUIDE_FRAME, linesWith, runCommand, runTs, START_TIMEOUT, startServerProcess } from './process.ts';

const serve = (...args: string[]) =>
  startServerProcess('src/cli/bin.ts', ['serve', '--port', '0', '--host', '127.0.0.1', ...args]);

/** Connects, retrying while the server is still starting. */
async function openWhenUp(url: string, protocol: string): Promise<RawClient> {
  const deadline = Date.now() + START_TIMEOUT;
  for (;;) {
    try {
      return await RawClient.open(url, protocol);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

describe('ocppkit serve', () => {
  it('--protocols limits the subprotocols offered', async () => {
    const { child, port } = await serve('--protocols', 'ocpp2.0.1');
    const handshake = await rawHandshake(port, '/CP_1', 'ocpp1.6');
    try {
      expect(handshake.headers['sec-websocket-protocol']).toBeUndefined();
      const frame = await readRawFrame(handshake);
      expect([frame.opcode, frame.payload.readUInt16BE(0)]).toEqual([0x8, 1002]);
    } finally {
      handshake.socket.destroy();
    }
    const client = await RawClient.open(`ws://127.0.0.1:${port}/CP_1`, ['ocpp1.6', 'ocpp2.0.1']);
    expect(client.protocol).toBe('ocpp2.0.1');
    await client.close();
    await child.kill();
  });

  it('--log-level debug logs each frame once, with the identity and the message id', async () => {
    const { child, port } = await serve('--log-level', 'debug');
    const client = await RawClient.open(`ws://127.0.0.1:${port}/cp_id_1`, 'ocpp1.6');
    client.send(GUIDE_FRAME);
    await client.next();
    await child.waitFor(/frame sent/);
    const received = linesWith(child.output, 'frame received', GUIDE_FRAME);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatch(/DEBUG .*identity=cp_id_1 .*messageId=12345/);
    expect(linesWith(child.output, 'frame sent', '[3,"12345"')).toHaveLength(1);
    await client.close();
    await child.kill();
  });

  it('--reject answers those id tags Invalid', async () => {
    const { child, port } = await serve('--reject', 'BLOCKED,STOLEN');
    const client = await RawClient.open(`ws://127.0.0.1:${port}/CP_1`, 'ocpp1.6');
    expect((await client.call('1', 'Authorize', { idTag: 'STOLEN' }))[2]).toEqual({ idTagInfo: { status: 'Invalid' } });
    expect((await client.call('2', 'Authorize', { idTag: 'OK' }))[2]).toEqual({ idTagInfo: { status: 'Accepted' } });
    await client.close();
    await child.kill();
  });

  it('SIGTERM closes every connection with 1001 and exits 0; connect prints the close code and exits', async () => {
    const { child, port } = await serve();
    const url = `ws://127.0.0.1:${port}/CP_1`;
    const cli = runTs('src/cli/bin.ts', ['connect', url]);
    await cli.waitFor(/^Connected to /m, START_TIMEOUT);
    await child.waitFor(/charge point connected identity=CP_1/);
    child.signal('SIGTERM');
    expect(await within(child.exited, 5000, 'serve exits')).toEqual({ code: 0, signal: null });
    expect(child.output).toMatch(/shutting down/);
    await cli.waitFor(/^Connection closed: code 1001, Server shutting down$/m);
    // a close code other than 1000 is not a clean end: exit status 1
    expect(await within(cli.exited, 5000, 'connect exits')).toEqual({ code: 1, signal: null });
  });

  it('refuses bad flags with the usage and exit status 2', async () => {
    for (const args of [
      ['--port', 'abc'],
      ['--log-level', 'loud'],
      ['--protocols', 'ocpp1.5'],
    ]) {
      const child = runTs('src/cli/bin.ts', ['serve', ...args]);
      expect(await within(child.exited, START_TIMEOUT, `serve ${args.join(' ')}`)).toEqual({ code: 2, signal: null });
      expect(child.stderr).toMatch(/^ocppkit: .*\n\nUsage: ocppkit/);
    }
  });
});

describe('npm start', () => {
  it('runs the demo CSMS, passing flags through (`npm start -- --port <n> --log-level silent`)', async () => {
    const port = await freePort();
    const child = runCommand('npm', ['start', '--', '--port', String(port), '--log-level', 'silent']);
    const client = await openWhenUp(`ws://127.0.0.1:${port}/cp_id_1`, 'ocpp1.6');
    client.send(GUIDE_FRAME);
    expect(await client.next()).toEqual([
      3,
      '12345',
      { currentTime: expect.stringMatching(ISO_DATE_TIME), interval: 300, status: 'Accepted' },
    ]);
    await client.close();
    await sleep(100);
    // silent: npm's own banner, nothing from the server
    expect(child.output).not.toMatch(/INFO|frame|listening/);
    await child.kill();
  });
});

describe('ocppkit connect', () => {
  it('a refused connection prints the error and exits with status 1', async () => {
    const port = await freePort();
    const cli = runTs('src/cli/bin.ts', ['connect', `ws://127.0.0.1:${port}/CP_1`]);
    expect(await within(cli.exited, START_TIMEOUT, 'connect exits')).toEqual({ code: 1, signal: null });
    expect(cli.stdout).toMatch(/^Connection error: .*ECONNREFUSED/m);
    expect(cli.stdout).not.toMatch(/Connected to/);
  });

  it('without a URL: the usage and exit status 2', async () => {
    const cli = runTs('src/cli/bin.ts', ['connect']);
    expect(await within(cli.exited, START_TIMEOUT, 'connect exits')).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toMatch(/connect needs a URL/);
  });
});

describe('ocppkit simulate', () => {
  it('--help and -h print its usage and exit with status 0', async () => {
    for (const flag of ['--help', '-h']) {
      const cli = runTs('src/cli/bin.ts', ['simulate', flag]);
      expect(await within(cli.exited, START_TIMEOUT, `simulate ${flag} exits`)).toEqual({ code: 0, signal: null });
      expect(cli.stdout).toMatch(/^Usage: ocppkit simulate <url> \[options\]\n/);
      expect(cli.stdout).toMatch(/^ {4}--skip <actions> /m);
      expect(cli.stdout).toMatch(/^ {4}Exit status: 0 /m);
      expect(cli.stderr).toBe('');
    }
  });

  it('an unknown action in --skip: the reason, the usage and exit status 2', async () => {
    const cli = runTs('src/cli/bin.ts', ['simulate', 'ws://127.0.0.1:1', '--skip', 'DataTransfer,Nope']);
    expect(await within(cli.exited, START_TIMEOUT, 'simulate exits')).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toMatch(/^ocppkit: --skip: unknown action Nope: not an ocpp1\.6 action \(it takes Authorize, /);
    expect(cli.stderr).toContain('Usage: ocppkit');
  });
});
