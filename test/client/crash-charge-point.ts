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
    // room for every message of the test: the overflow rule (which drops the oldest `Updated` events when the disk
    // is slower than the messages come) is not what this test is about
    maxSize: last,
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
// a message dropped or a store that failed says why, in the test's output
for (const name of ['queue:dropped', 'queue:error'] as const) {
  client.events.on(name, (event) =>
    process.stderr.write(
      `${name} ${JSON.stringify(event, (_k, v) => (v instanceof Error ? `${v.name}: ${v.message}` : v))}\n`,
    ),
  );
}
await client.connect();
await client.call('BootNotification', {
  chargingStation: { model: 'Crash', vendorName: 'ocppkit' },
  reason: 'PowerUp',
});
// done once every message is settled: those the store held (the queue reads them in the background, so its size
// says nothing until then) and those queued below
let settled = 0;
client.events.on('queue:delivered', () => settled++);
client.events.on('queue:dropped', () => settled++);
const expected = stored.length + Math.max(0, last - next + 1);
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
while (settled < expected) await new Promise((resolve) => setTimeout(resolve, 10));
process.stdout.write('done\n');
await client.stop();
