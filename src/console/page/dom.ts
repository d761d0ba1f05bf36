/** A small helper to build DOM elements: `h('button', { class: 'x', onclick }, 'Send')`. */

type Attributes = Record<string, string | number | boolean | EventListener | undefined>;

/** An element with attributes (`on…` ones become listeners; `false`/`undefined` ones are left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}

/** `hh:mm:ss.mmm` of a time (ms since the epoch), local time. */
export function clock(time: number, withMs = false): string {
  const d = new Date(time);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${hms}.${pad(d.getMilliseconds(), 3)}` : hms;
}

/** How long ago `time` was, shortly: `4 s`, `12 min`, `3 h`. */
export function ago(time: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** A frame's text, pretty-printed when it is JSON. */
export function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** One cell of a row: its text and class. */
export type Cell = readonly [text: string, className?: string];

/**
 * Fills a row's cells in place: the spans are made once and only changed text or classes are written, so that
 * redrawing a list of rows touches the DOM as little as it can.
 */
export function fillCells(row: HTMLElement, cells: readonly Cell[]): void {
  while (row.childElementCount < cells.length) row.append(document.createElement('span'));
  cells.forEach(([text, className = ''], i) => {
    const span = row.children[i] as HTMLElement;
    if (span.textContent !== text) span.textContent = text;
    if (span.className !== className) span.className = className;
  });
}

/** Sets a row's class only when it changes. */
export function setClass(element: HTMLElement, className: string): void {
  if (element.className !== className) element.className = className;
}
