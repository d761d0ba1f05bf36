/**
 * Type tests of the handler styles (checked by `tsc -p tsconfig.json`, never run). The documented style returns
 * `new callResult.X({...})`: the payload is typed by the constructor, so enum values need no `as const` and a
 * misspelt field does not compile. An object of handlers typed by the version's interface also gets its
 * parameters typed and its handler names checked.
 */
import * as v16 from '../../src/v16/index.ts';
import * as v201 from '../../src/v201/index.ts';

const now = () => new Date().toISOString();

// The class style with callResult: no `as const`, every field checked.
export class Csms extends v16.ChargePoint implements v16.V16Handlers {
  onBootNotification(request: v16.BootNotificationRequest) {
    return new v16.callResult.BootNotification({
      currentTime: now(),
      interval: request.chargePointModel.length,
      status: 'Accepted',
    });
  }

  onHeartbeat() {
    return new v16.callResult.Heartbeat({
      currentTime: now(),
      // @ts-expect-error a misspelt (unknown) field is refused
      curentTime: now(),
    });
  }

  onAuthorize() {
    // @ts-expect-error a value outside the enum is refused
    return new v16.callResult.Authorize({ idTagInfo: { status: 'Fine' } });
  }
}

// A callResult of another action does not answer this one.
export class WrongAction extends v16.ChargePoint implements v16.V16Handlers {
  // @ts-expect-error the Heartbeat response does not answer BootNotification
  onBootNotification() {
    return new v16.callResult.Heartbeat({ currentTime: now() });
  }
}

// An object of handlers: parameters typed from the interface, handler names checked.
export const handlers: v201.V201Handlers = {
  onBootNotification(request) {
    const reason: v201.BootReasonEnumType = request.reason;
    return new v201.callResult.BootNotification({ currentTime: now(), interval: reason.length, status: 'Accepted' });
  },
  async onHeartbeat() {
    return new v201.callResult.Heartbeat({ currentTime: now() });
  },
};

export const misspelt: v201.V201Handlers = {
  // @ts-expect-error no such handler: onBootNotifcation
  onBootNotifcation() {
    return {};
  },
};

// Plain object returns still work where the return type is declared.
export class Plain extends v16.ChargePoint implements v16.V16Handlers {
  onHeartbeat(): v16.HeartbeatResponse {
    return { currentTime: now() };
  }
}
