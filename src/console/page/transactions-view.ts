/** Transactions: a table (newest first) and the energy readings of the one picked, as a line chart (SVG). */
import type { MeterPoint, TransactionRow } from '../wire.ts';
import { clock, h } from './dom.ts';

const SHOWN = 200;
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const HEIGHT = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 24 };

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function kwh(wh: number): string {
  return `${(wh / 1000).toFixed(wh >= 100_000 ? 0 : 2)} kWh`;
}

/** A line chart of energy over time. */
export function meterChart(points: readonly MeterPoint[]): SVGSVGElement {
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img' });
  if (points.length === 0) {
    chart.append(
      svg('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', class: 'axis' }, 'no meter values yet'),
    );
    return chart;
  }
  const times = points.map((p) => p.time);
  const values = points.map((p) => p.wh);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const v0 = Math.min(...values);
  const v1 = Math.max(...values, v0 + 1);
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => HEIGHT - PAD.bottom - ((v - v0) / (v1 - v0)) * (HEIGHT - PAD.top - PAD.bottom);
  chart.append(
    svg('line', {
      x1: PAD.left,
      y1: HEIGHT - PAD.bottom,
      x2: WIDTH - PAD.right,
      y2: HEIGHT - PAD.bottom,
      class: 'axis-line',
    }),
    svg('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: HEIGHT - PAD.bottom, class: 'axis-line' }),
    svg('text', { x: PAD.left - 4, y: y(v1) + 4, 'text-anchor': 'end', class: 'axis' }, kwh(v1)),
    svg('text', { x: PAD.left - 4, y: y(v0), 'text-anchor': 'end', class: 'axis' }, kwh(v0)),
    svg('text', { x: PAD.left, y: HEIGHT - 6, class: 'axis' }, clock(t0)),
    svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end', class: 'axis' }, clock(t1)),
    svg('polyline', {
      points: points.map((p) => `${x(p.time).toFixed(1)},${y(p.wh).toFixed(1)}`).join(' '),
      class: 'series',
    }),
  );
  for (const p of points.length <= 60 ? points : []) {
    chart.append(svg('circle', { cx: x(p.time).toFixed(1), cy: y(p.wh).toFixed(1), r: 2.5, class: 'point' }));
  }
  return chart;
}

/** The transactions panel. */
export class TransactionsView {
  readonly element: HTMLElement;
  readonly #body = h('tbody');
  readonly #chart = h('div', { class: 'chart-box', id: 'tx-chart' });
  #rows: TransactionRow[] = [];
  #picked: string | undefined;

  constructor() {
    this.element = h(
      'section',
      { class: 'panel', id: 'transactions' },
      h('header', {}, h('h2', {}, 'Transactions')),
      h(
        'div',
        { class: 'tx-split' },
        h(
          'div',
          { class: 'tx-table' },
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h('tr', {}, ...['id', 'charge point', 'started', 'ended', 'energy'].map((t) => h('th', {}, t))),
            ),
            this.#body,
          ),
        ),
        this.#chart,
      ),
    );
    this.#body.addEventListener('click', (event) => {
      const key = (event.target as HTMLElement).closest<HTMLElement>('tr')?.dataset.key;
      if (key !== undefined) {
        this.#picked = key;
        this.#draw();
      }
    });
  }

  /** Shows these transactions. */
  update(transactions: Iterable<TransactionRow>): void {
    this.#rows = [...transactions].sort((a, b) => b.startedAt - a.startedAt).slice(0, SHOWN);
    this.#draw();
  }

  #draw(): void {
    const keyOf = (t: TransactionRow) => `${t.identity}\n${t.id}`;
    const picked = this.#rows.find((t) => keyOf(t) === this.#picked) ?? this.#rows[0];
    this.#body.replaceChildren(
      ...this.#rows.map((t) => {
        const first = t.meter[0]?.wh;
        const last = t.meter.at(-1)?.wh;
        const energy = first === undefined || last === undefined ? '' : kwh(last - first);
        return h(
          'tr',
          { 'data-key': keyOf(t), class: t === picked ? 'selected' : undefined },
          h('td', { class: 'mono' }, t.id),
          h('td', {}, t.identity),
          h('td', {}, clock(t.startedAt)),
          h('td', {}, t.endedAt === undefined ? 'charging' : clock(t.endedAt)),
          h('td', {}, energy),
        );
      }),
    );
    this.#chart.replaceChildren(
      picked ? h('h3', {}, `${picked.identity} · ${picked.id}`) : h('h3', { class: 'muted' }, 'No transactions yet.'),
      meterChart(picked?.meter ?? []),
    );
  }
}
