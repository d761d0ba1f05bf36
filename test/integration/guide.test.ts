/**
 * The guide's exchange over real sockets, against the guide's example and against `ocppkit serve`: a client
 * connects to /cp_id_1 with `ocpp1.6`, sends the guide's exact BootNotification and gets the guide's answer, and
 * the server logs both frames with the identity. Then the same through the CLI's `connect`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISO_DATE_TIME, RawClient, rawHandshake, readRawFrame, within } from '../server/helpers.ts';
import { type Child, GUIDE_FRAME, linesWith, runTs, START_TIMEOUT, startServerProcess } from './process.ts';

/** Runs the guide's exchange with a plain `ws` client; returns the answer as parsed and as sent. */
async function guideExchange(port: number) {
  const client = await RawClient.open(`ws://127.0.0.1:${port}/cp_id_1`, 'ocpp1.6');
  expect(client.protocol).toBe('ocpp1.6');
  client.send(GUIDE_FRAME);
  const frame = await client.next();
  const raw = client.frames[0] as string;
  await client.close();
  return { frame, raw };
}

/** `ocppkit connect <url>`: types the guide's frame, reads the answer, ends its input. */
async function connectExchange(port: number): Promise<{ cli: Child; answer: unknown[] }> {
  const url = `ws://127.0.0.1:${port}/cp_id_1`;
  const cli = runTs('src/cli/bin.ts', ['connect', url, '--protocol', 'ocpp1.6']);
  await cli.waitFor(/^Connected to .*$/m, START_TIMEOUT);
  expect(cli.stdout).toContain(`Connected to ${url} (ocpp1.6)`);
  cli.process.stdin?.write(`${GUIDE_FRAME}\n`);
  const [, received] = await cli.waitFor(/^< (\[3,"12345",.*\])$/m);
  cli.process.stdin?.end();
  expect(await within(cli.exited, 5000, 'connect exits')).toEqual({ code: 0, signal: null });
  expect(cli.stdout).toMatch(/^Connection closed: code 1000$/m);
  // it answers nothing by itself: what it printed is what it received, one line each
  expect(cli.stdout.split('\n').filter((line) => line.startsWith('< '))).toHaveLength(1);
  return { cli, answer: JSON.parse(received as string) as unknown[] };
}

describe('the guide’s server (examples/guide-server.ts)', () => {
  let server: { child: Child; port: number };
  beforeAll(async () => {
    server = await startServerProcess('examples/guide-server.ts', [], { PORT: '0' });
  }, START_TIMEOUT + 5000);
  afterAll(() => server?.child.kill());

  it('answers the guide’s BootNotification with [3,"12345",{currentTime, interval: 10, status: "Accepted"}]', async () => {
    const { frame, raw } = await guideExchange(server.port);
    expect(frame).toEqual([
      3,
      '12345',
      { currentTime: expect.stringMatching(ISO_DATE_TIME), interval: 10, status: 'Accepted' },
    ]);
    expect(Object.keys(frame[2] as object)).toEqual(['currentTime', 'interval', 'status']);
    expect(raw.startsWith('[3,"12345",{"currentTime":"')).toBe(true);

    // the log shows both frames, each with the identity
    await server.child.waitFor(/frame sent/);
    expect(linesWith(server.child.output, 'identity=cp_id_1', GUIDE_FRAME)).toHaveLength(1);
    expect(linesWith(server.child.output, 'identity=cp_id_1', raw)).toHaveLength(1);
  });

  it('closes a connection that does not offer ocpp1.6 with 1002, without a subprotocol', async () => {
    const handshake = await rawHandshake(server.port, '/cp_id_2', 'ocpp2.0.1');
    try {
      expect(handshake.status).toBe(101);
      expect(handshake.headers['sec-websocket-protocol']).toBeUndefined();
      const frame = await readRawFrame(handshake);
      expect([frame.opcode, frame.payload.readUInt16BE(0)]).toEqual([0x8, 1002]);
    } finally {
      handshake.socket.destroy();
    }
  });

  it('ocppkit connect: prints the connection, sends the typed frame, prints the answer, exits cleanly', async () => {
    const { answer } = await connectExchange(server.port);
    expect(answer).toEqual([
      3,
      '12345',
      { currentTime: expect.stringMatching(ISO_DATE_TIME), interval: 10, status: 'Accepted' },
    ]);
  });
});

describe('ocppkit serve (the demo CSMS)', () => {
  let server: { child: Child; port: number };
  beforeAll(async () => {
    server = await startServerProcess('src/cli/bin.ts', ['serve', '--port', '0', '--host', '127.0.0.1']);
  }, START_TIMEOUT + 5000);
  afterAll(() => server?.child.kill());

  it('answers the guide’s BootNotification, accepted with its heartbeat interval', async () => {
    const { frame, raw } = await guideExchange(server.port);
    expect(frame).toEqual([
      3,
      '12345',
      { currentTime: expect.stringMatching(ISO_DATE_TIME), interval: 300, status: 'Accepted' },
    ]);

    // at the default log level, each frame is logged with the identity
    await server.child.waitFor(/frame sent/);
    expect(linesWith(server.child.output, 'INFO', 'frame received', 'identity=cp_id_1', GUIDE_FRAME)).toHaveLength(1);
    expect(linesWith(server.child.output, 'INFO', 'frame sent', 'identity=cp_id_1', raw)).toHaveLength(1);
    expect(
      linesWith(server.child.output, 'charge point connected', 'identity=cp_id_1', 'protocol=ocpp1.6'),
    ).toHaveLength(1);
  });

  it('offers ocpp2.1, ocpp2.0.1 and ocpp1.6, the client’s preference first', async () => {
    for (const offered of [['ocpp2.1', 'ocpp1.6'], ['ocpp2.0.1'], ['ocpp1.5', 'ocpp1.6']]) {
      const client = await RawClient.open(`ws://127.0.0.1:${server.port}/CP_P`, offered);
      expect(client.protocol).toBe(offered.find((p) => p !== 'ocpp1.5'));
      await client.close();
    }
  });

  it('ocppkit connect against it', async () => {
    const { answer } = await connectExchange(server.port);
    expect(answer).toEqual([
      3,
      '12345',
      { currentTime: expect.stringMatching(ISO_DATE_TIME), interval: 300, status: 'Accepted' },
    ]);
  });
});
