/** `server.call()`: the application calls a charge point by identity, typed over the server's versions. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ChargePointNotConnectedError, ProtocolMismatchError } from '../../src/errors.ts';
import type { RemoteCaller } from '../../src/server.ts';
import { ALL, startServer } from './fixtures.ts';
import { RawClient } from './helpers.ts';

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

  it('goes through the remote caller a cluster adapter installs', async () => {
    const { server } = await startServer({ protocols: ALL });
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
