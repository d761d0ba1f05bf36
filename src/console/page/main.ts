/**
 * The console's page: the server's updates arrive as server-sent events (a snapshot, then batches); the panels
 * redraw at most once per animation frame. The access token, when the console has one, comes in the page's URL.
 */
import type { CallOutcome, ConsoleUpdate } from '../wire.ts';
import { ChargePointsView } from './charge-points-view.ts';
import { h } from './dom.ts';
import { LogView } from './log-view.ts';
import { SendView } from './send-view.ts';
import { ConsoleState } from './state.ts';
import { TransactionsView } from './transactions-view.ts';

const token = new URLSearchParams(location.search).get('token');
const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;

async function post(body: object): Promise<CallOutcome> {
  const response = await fetch(`api/call${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as CallOutcome;
}

const app = document.getElementById('app')!;
const state = new ConsoleState();
const send = new SendView(post);
const log = new LogView(state);
const chargePoints = new ChargePointsView((identity) => {
  send.pick(identity);
  chargePoints.select(identity);
});
const transactions = new TransactionsView();
const live = h('span', { class: 'live', id: 'live' }, 'connecting…');
const count = h('span', { id: 'cp-count' }, '');

app.append(
  h('header', { class: 'top' }, h('h1', {}, app.dataset.title ?? 'ocppkit console'), count, live),
  h(
    'main',
    { class: 'grid' },
    h('div', { class: 'column' }, chargePoints.element, send.element),
    h('div', { class: 'column' }, log.element, transactions.element),
  ),
);

let pending = false;
const changed = { chargePoints: false, members: false, log: false, transactions: false };

function draw(): void {
  pending = false;
  if (changed.chargePoints) {
    chargePoints.update(state.chargePoints, changed.members);
  }
  if (changed.members) {
    send.update(state.chargePoints.values());
    count.textContent = `${state.chargePoints.size} connected`;
  }
  if (changed.log) log.update();
  if (changed.transactions) transactions.update(state.transactions.values());
  changed.chargePoints = changed.members = changed.log = changed.transactions = false;
}

const events = new EventSource(`api/events${query}`);
events.onmessage = (message: MessageEvent<string>) => {
  state.apply(JSON.parse(message.data) as ConsoleUpdate);
  changed.chargePoints ||= state.changed.chargePoints;
  changed.members ||= state.changed.members;
  changed.log ||= state.changed.log;
  changed.transactions ||= state.changed.transactions;
  if (!pending) {
    pending = true;
    requestAnimationFrame(draw);
  }
};
events.onopen = () => {
  live.textContent = 'live';
  live.className = 'live on';
};
events.onerror = () => {
  live.textContent = 'reconnecting…';
  live.className = 'live off';
};
setInterval(() => chargePoints.tick(), 1000);
