/**
 * The message log: filters (identity, action, direction, errors only), a virtualised list of frames, and the frame
 * picked, pretty-printed beside the frame it is linked to (a CALL and its answer) with the latency.
 */
import { clock, fillCells, h, pretty, setClass } from './dom.ts';
import type { ConsoleState, PageEntry } from './state.ts';
import { VirtualList } from './virtual-list.ts';

const ERROR_KINDS = new Set(['CALLERROR', 'CALLRESULTERROR', 'BAD']);

/** The log panel. */
export class LogView {
  readonly element: HTMLElement;
  readonly #state: ConsoleState;
  readonly #list: VirtualList<PageEntry>;
  readonly #identity = h('input', { id: 'filter-identity', type: 'search', placeholder: 'identity' });
  readonly #action = h('input', { id: 'filter-action', type: 'search', placeholder: 'action' });
  readonly #direction = h(
    'select',
    { id: 'filter-direction' },
    h('option', { value: '' }, 'both ways'),
    h('option', { value: 'in' }, '← from charge point'),
    h('option', { value: 'out' }, '→ to charge point'),
  );
  readonly #errors = h('input', { id: 'filter-errors', type: 'checkbox' });
  readonly #follow = h('input', { id: 'log-follow', type: 'checkbox', checked: true });
  readonly #count = h('span', { class: 'muted', id: 'log-count' });
  readonly #detail = h('div', { class: 'log-detail', id: 'log-detail' }, h('p', { class: 'muted' }, 'Pick a frame.'));
  #picked: number | undefined;

  constructor(state: ConsoleState) {
    this.#state = state;
    this.#list = new VirtualList<PageEntry>(
      24,
      (entry, row) => this.#drawRow(entry, row),
      (entry) => this.pick(entry.seq),
    );
    for (const control of [this.#identity, this.#action, this.#direction, this.#errors]) {
      control.addEventListener('input', () => this.update());
    }
    const filters = h(
      'div',
      { class: 'filters' },
      this.#identity,
      this.#action,
      this.#direction,
      h('label', {}, this.#errors, ' errors only'),
      h('label', {}, this.#follow, ' follow'),
      this.#count,
    );
    const header = h(
      'div',
      { class: 'vhead log-cols' },
      h('span', {}, 'time'),
      h('span', {}, 'identity'),
      h('span', {}, ''),
      h('span', {}, 'type'),
      h('span', {}, 'action'),
      h('span', {}, 'message id'),
      h('span', {}, 'latency'),
    );
    this.element = h(
      'section',
      { class: 'panel', id: 'log' },
      h('header', {}, h('h2', {}, 'Messages'), filters),
      header,
      this.#list.element,
      this.#detail,
    );
  }

  /** Shows only the identity's frames. */
  filterIdentity(identity: string): void {
    this.#identity.value = identity;
    this.update();
  }

  /** Applies the filters to the state's log and redraws. */
  update(): void {
    const identity = this.#identity.value.trim().toLowerCase();
    const action = this.#action.value.trim().toLowerCase();
    const direction = this.#direction.value;
    const errorsOnly = this.#errors.checked;
    const shown =
      identity === '' && action === '' && direction === '' && !errorsOnly
        ? this.#state.log
        : this.#state.log.filter(
            (entry) =>
              (identity === '' || entry.identity.toLowerCase().includes(identity)) &&
              (action === '' || (entry.action ?? '').toLowerCase().includes(action)) &&
              (direction === '' || entry.direction === direction) &&
              (!errorsOnly || ERROR_KINDS.has(entry.kind)),
          );
    const follow = this.#follow.checked && (this.#list.atEnd || this.#list.items.length === 0);
    this.#list.setItems(shown, follow);
    const skipped = this.#state.skipped > 0 ? `, ${this.#state.skipped} skipped under load` : '';
    this.#count.textContent = `${shown.length} of ${this.#state.log.length}${skipped}`;
    if (this.#picked !== undefined) this.#showDetail();
  }

  /** Shows the frame `seq` and its linked frame. */
  pick(seq: number): void {
    this.#picked = seq;
    const index = this.#list.items.findIndex((entry) => entry.seq === seq);
    if (index >= 0) this.#list.reveal(index);
    this.#list.draw();
    this.#showDetail();
  }

  #showDetail(): void {
    const entry = this.#state.entry(this.#picked);
    if (entry === undefined) return;
    const linked = this.#state.entry(entry.linked);
    const frameBox = (e: PageEntry, title: string) =>
      h(
        'div',
        { class: 'frame', 'data-seq': e.seq },
        h(
          'h3',
          {},
          `${title}: ${e.kind} ${e.direction === 'in' ? 'from' : 'to'} ${e.identity} at ${clock(e.time, true)}`,
        ),
        h('pre', {}, pretty(e.frame)),
      );
    const link =
      entry.linked === undefined
        ? h('p', { class: 'muted' }, entry.kind === 'CALL' ? 'No answer yet.' : 'Not linked to a call.')
        : h(
            'button',
            { type: 'button', class: 'link', onclick: () => this.pick(entry.linked!) },
            `${entry.kind === 'CALL' ? 'answered' : 'answers its call'} · ${entry.latency} ms`,
          );
    this.#detail.replaceChildren(
      frameBox(entry, 'Frame'),
      h('div', { class: 'frame-link' }, link),
      linked ? frameBox(linked, entry.kind === 'CALL' ? 'Answer' : 'Call') : '',
    );
  }

  #drawRow(entry: PageEntry, row: HTMLElement): void {
    const error = ERROR_KINDS.has(entry.kind);
    setClass(row, `vrow log-cols${error ? ' error' : ''}${entry.seq === this.#picked ? ' selected' : ''}`);
    row.dataset.seq = String(entry.seq);
    row.dataset.kind = entry.kind;
    row.dataset.action = entry.action ?? '';
    row.dataset.identity = entry.identity;
    fillCells(row, [
      [clock(entry.time, true), 'muted'],
      [entry.identity, 'identity'],
      [entry.direction === 'in' ? '←' : '→', `dir ${entry.direction}`],
      [entry.kind, 'kind'],
      [entry.action ?? ''],
      [entry.messageId ?? '', 'muted mono'],
      [entry.latency === undefined ? '' : `${entry.latency} ms`, 'latency'],
    ]);
  }
}
