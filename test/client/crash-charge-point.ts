/**
 * A 2.0.1 charge point in its own process for the crash test: it queues TransactionEvents with seqNo `from`, `from`
 * + 1, … up to `last` in a FileQueueStore while it sends them, and prints `queued <seqNo>` once a message is on
 * disk. The test kills it at random points; each new run carries on after what the store holds and what was printed.
 *
 * argv: <url> <store path> <from> <last>
 */
import { Client, FileQueueStore, type QueuedMessage } from '../../src/v201/index.ts';

const [url = '', path = '', fromArg = '1', lastArg = '1'] = process.argv.slice(2);
const store = new FileQueueStore(path);
const stored = await store.load();
const seqNoOf = (message: QueuedMessage) => (message.payload as { seqNo: number }).seqNo;
let next = Math.max(Number(fromArg), ...stored.map((m) => seqNoOf(m) + 1));
const last = Number(lastArg);

const client = new Client({
  url,
  identity: 'CP-CRASH',
  callTimeout: 2000,
  backOff: { waitMinimum: 50, randomRange: 0 },
  queue: {
    interval: 20,
    store: {
      load: () => store.load(),
      add: async (message) => {
        await store.add(message);
        process.stdout.write(`queued ${seqNoOf(message)}\n`);
      },
      update: (message) => store.update(message),
      remove: (id) => store.remove(id),
    },
  },
});
await client.connect();
await client.call('BootNotification', {
  chargingStation: { model: 'Crash', vendorName: 'ocppkit' },
  reason: 'PowerUp',
});
const delivered: Promise<unknown>[] = [];
for (; next <= last; next++) {
  delivered.push(
    client.call('TransactionEvent', {
      eventType: 'Updated',
      timestamp: new Date().toISOString(),
      triggerReason: 'MeterValuePeriodic',
      seqNo: next,
      transactionInfo: { transactionId: 'T-CRASH' },
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 2));
}
await Promise.all(delivered);
while (client.queueSize > 0) await new Promise((resolve) => setTimeout(resolve, 10));
process.stdout.write('done\n');
await client.stop();
