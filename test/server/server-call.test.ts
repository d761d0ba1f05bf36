/** `server.call()`: the application calls a charge point by identity, typed over the server's versions. */
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createServerCaller } from '../../src/call-types.ts';
import { ChargePointNotConnectedError, ProtocolMismatchError } from '../../src/errors.ts';
import type { RemoteCaller } from '../../src/server.ts';
import * as v16 from '../../src/v16/index.ts';
import { ALL, startServer } from './fixtures.ts';
import { RawClient } from './helpers.ts';

/** A remote caller that records its calls: `call` answers Accepted, `callAs` Rejected. */
function recordingRemote(): { seen: unknown[][]; remote: RemoteCaller } {
  const seen: unknown[][] = [];
  const remote: RemoteCaller = {
    call: async (...args) => {
      seen.push(['call', ...args]);
      return { status: 'Accepted' };
    },
    callAs: async (...args) => {
      seen.push(['callAs', ...args]);
      return { status: 'Rejected' };
    },
  };
  return { seen, remote };
}

describe('server.call', () => {
  it('calls a connected charge point by identity and resolves with its answer', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    const pending = server.call('CP_1', 'Reset', { type: 'Soft' });
    const [type, id, action, payload] = await client.next();
    expect([type, action, payload]).toEqual([2, 'Reset', { type: 'Soft' }]);
    client.send([3, id, { status: 'Accepted' }]);
    await expect(pending).resolves.toEqual({ status: 'Accepted' });
    await client.close();
  });

  it('version() refuses a charge point of another version before sending anything', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const client = await RawClient.open(url('/CS_1'), 'ocpp2.0.1');
    const refused = server.version('ocpp1.6').call('CS_1', 'Reset', { type: 'Soft' });
    await expect(refused).rejects.toBeInstanceOf(ProtocolMismatchError);
    const pending = server.version('ocpp2.0.1').call('CS_1', 'Reset', { type: 'Immediate' });
    const [, id, action] = await client.next();
    expect(action).toBe('Reset');
    client.send([3, id, { status: 'Accepted' }]);
    await expect(pending).resolves.toEqual({ status: 'Accepted' });
    expect(client.frames).toHaveLength(1);
    await client.close();
  });

  it('rejects with ChargePointNotConnectedError for an identity that is not connected', async () => {
    const { server } = await startServer({ protocols: ALL });
    const error = await server.call('nobody', 'Reset', { type: 'Soft' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChargePointNotConnectedError);
    expect(error).toMatchObject({ identity: 'nobody', action: 'Reset', delivered: false });
  });

  it('goes through the remote caller installed with useRemoteCaller(), until it is removed', async () => {
    const { server, url } = await startServer({ protocols: ALL });
    const { seen, remote } = recordingRemote();
    expect(server.remoteCaller).toBeUndefined();
    server.useRemoteCaller(remote);
    expect(server.remoteCaller).toBe(remote);
    expect(server.remote).toBe(remote); // the deprecated accessor reads the same
    const signal = new AbortController().signal;
    await expect(server.call('far', new v16.call.Reset({ type: 'Hard' }), { signal })).resolves.toEqual({
      status: 'Accepted',
    });
    await expect(server.version('ocpp1.6').call('far', 'ClearCache')).resolves.toEqual({ status: 'Rejected' });
    // both call forms reach the remote caller as action, payload and options
    expect(seen).toEqual([
      ['call', 'far', 'Reset', { type: 'Hard' }, { signal }],
      ['callAs', 'ocpp1.6', 'far', 'ClearCache', {}, undefined],
    ]);

    server.useRemoteCaller(undefined);
    expect(server.remoteCaller).toBeUndefined();
    const client = await RawClient.open(url('/CP_1'), 'ocpp1.6');
    const pending = server.call('CP_1', 'ClearCache');
    const [, id, action] = await client.next();
    expect(action).toBe('ClearCache');
    client.send([3, id, { status: 'Accepted' }]);
    await expect(pending).resolves.toEqual({ status: 'Accepted' });
    expect(seen).toHaveLength(2);
    await client.close();
  });

  it('createServerCaller reads both call forms once and makes one caller per version', async () => {
    const dispatch = vi.fn(async (..._args: unknown[]) => ({ status: 'Accepted' }));
    const caller = createServerCaller<typeof ALL>(dispatch);
    const options = { timeout: 10 };
    await caller.call('CP', 'Reset', { type: 'Soft' }, options);
    await caller.call('CP', new v16.call.ClearCache({}), options);
    await caller.version('ocpp2.1').call('CS', 'ClearCache');
    expect(dispatch.mock.calls).toEqual([
      ['CP', undefined, 'Reset', { type: 'Soft' }, options],
      ['CP', undefined, 'ClearCache', {}, options],
      ['CS', 'ocpp2.1', 'ClearCache', {}, undefined],
    ]);
    expect(caller.version('ocpp2.1')).toBe(caller.version('ocpp2.1'));
    expect(caller.version('ocpp1.6')).not.toBe(caller.version('ocpp2.1'));
  });

  it('call and version work unbound, as the properties they are', async () => {
    const { server } = await startServer({ protocols: ALL });
    const { call, version } = server;
    await expect(call('nobody', 'ClearCache')).rejects.toBeInstanceOf(ChargePointNotConnectedError);
    await expect(version('ocpp1.6').call('nobody', 'ClearCache')).rejects.toBeInstanceOf(ChargePointNotConnectedError);
  });

  it('goes through the remote caller set with the deprecated `remote` property', async () => {
    const { server } = await startServer({ protocols: ALL });
    const { seen, remote } = recordingRemote();
    server.remote = remote;
    await expect(server.call('far', 'Reset', { type: 'Soft' })).resolves.toEqual({ status: 'Accepted' });
    await expect(server.version('ocpp2.1').call('far', 'Reset', { type: 'Immediate' })).resolves.toEqual({
      status: 'Rejected',
    });
    expect(seen).toEqual([
      ['call', 'far', 'Reset', { type: 'Soft' }, undefined],
      ['callAs', 'ocpp2.1', 'far', 'Reset', { type: 'Immediate' }, undefined],
    ]);
  });

  it('is typed per action over the server versions', async () => {
    const { server } = await startServer({ protocols: ALL });
    const pending = server.version('ocpp1.6').call('x', 'GetConfiguration', {});
    expectTypeOf(pending).resolves.toHaveProperty('configurationKey');
    await expect(pending).rejects.toBeInstanceOf(ChargePointNotConnectedError);
    // @ts-expect-error BootNotification is sent by charge points, never called on one
    void server.call('x', 'BootNotification', { chargePointVendor: 'v', chargePointModel: 'm' }).catch(() => {});
  });
});
