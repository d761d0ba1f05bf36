/** The list of connected charge points: identity, version, connected since, last message, statuses. */
import type { ChargePointRow } from '../wire.ts';
import { ago, clock, fillCells, h, setClass } from './dom.ts';
import { VirtualList } from './virtual-list.ts';

const VERSION_NAMES: Readonly<Record<string, string>> = { 'ocpp1.6': '1.6', 'ocpp2.0.1': '2.0.1', 'ocpp2.1': '2.1' };

function statusText(status: Readonly<Record<string, string>>): string {
  return Object.entries(status)
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
    .map(([connector, value]) => `${connector}: ${value}`)
    .join(' · ');
}

/** The charge points panel; `onPick` gets the identity of a row clicked. */
export class ChargePointsView {
  readonly element: HTMLElement;
  readonly #list: VirtualList<ChargePointRow>;
  readonly #filter: HTMLInputElement;
  #rows: ChargePointRow[] = [];
  #selected: string | undefined;

  constructor(onPick: (identity: string) => void) {
    this.#list = new VirtualList<ChargePointRow>(
      28,
      (row, element) => this.#drawRow(row, element),
      (row) => onPick(row.identity),
    );
    this.#filter = h('input', { id: 'cp-filter', type: 'search', placeholder: 'filter identities' });
    this.#filter.addEventListener('input', () => this.#show());
    const header = h(
      'div',
      { class: 'vhead cp-cols' },
      h('span', {}, 'identity'),
      h('span', {}, 'version'),
      h('span', {}, 'connected'),
      h('span', {}, 'last message'),
      h('span', {}, 'status'),
    );
    this.element = h(
      'section',
      { class: 'panel', id: 'charge-points' },
      h('header', {}, h('h2', {}, 'Charge points'), this.#filter),
      header,
      this.#list.element,
    );
  }

  /**
   * Shows the rows (sorted by identity). `members`: charge points came or went, so the order is made again; else
   * the rows in place are refreshed.
   */
  update(rows: ReadonlyMap<string, ChargePointRow>, members: boolean): void {
    this.#rows = members
      ? [...rows.values()].sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0))
      : this.#rows.map((row) => rows.get(row.identity) ?? row);
    this.#show();
  }

  /** Marks the row of `identity` as selected. */
  select(identity: string | undefined): void {
    this.#selected = identity;
    this.#list.draw();
  }

  /** Redraws the rows in view (the "last message" times move on). */
  tick(): void {
    this.#list.draw();
  }

  #show(): void {
    const text = this.#filter.value.trim().toLowerCase();
    this.#list.setItems(text === '' ? this.#rows : this.#rows.filter((r) => r.identity.toLowerCase().includes(text)));
  }

  #drawRow(row: ChargePointRow, element: HTMLElement): void {
    const now = Date.now();
    setClass(element, `vrow cp-cols${row.identity === this.#selected ? ' selected' : ''}`);
    element.dataset.identity = row.identity;
    fillCells(element, [
      [row.identity, 'identity'],
      [VERSION_NAMES[row.protocol] ?? row.protocol, 'version'],
      [clock(row.connectedAt)],
      [`${ago(row.lastMessageAt, now)} ago${row.lastAction ? ` · ${row.lastAction}` : ''}`],
      [statusText(row.status), 'status'],
    ]);
    element.title = `${row.identity}, connected ${new Date(row.connectedAt).toISOString()}`;
  }
}
