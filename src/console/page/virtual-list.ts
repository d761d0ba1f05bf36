/**
 * A virtualised list: rows of one height, and only the rows in view (plus a few) exist in the DOM, so a list of
 * thousands costs what a screenful does. Rows are reused as the list scrolls.
 */

/** Draws one item into its row element. */
export type RowRenderer<T> = (item: T, row: HTMLElement) => void;

const OVERSCAN = 6;

/** A scrolling list of `items`; `element` goes into the page. */
export class VirtualList<T> {
  /** The scrolling container. */
  readonly element: HTMLElement;
  readonly #spacer: HTMLElement;
  readonly #rowHeight: number;
  readonly #render: RowRenderer<T>;
  readonly #pool: HTMLElement[] = [];
  #items: readonly T[] = [];
  #frame = 0;

  /**
   * @param rowHeight Height of a row, px.
   * @param render Draws an item into a row.
   * @param onPick Called with the item of a row clicked.
   */
  constructor(rowHeight: number, render: RowRenderer<T>, onPick?: (item: T) => void) {
    this.#rowHeight = rowHeight;
    this.#render = render;
    this.element = document.createElement('div');
    this.element.className = 'vlist';
    this.#spacer = document.createElement('div');
    this.#spacer.className = 'vlist-spacer';
    this.element.append(this.#spacer);
    this.element.addEventListener('scroll', () => this.#schedule());
    new ResizeObserver(() => this.#schedule()).observe(this.element);
    if (onPick) {
      this.element.addEventListener('click', (event) => {
        const row = (event.target as HTMLElement).closest<HTMLElement>('.vrow');
        const index = Number(row?.dataset.index);
        const item = this.#items[index];
        if (row && item !== undefined) onPick(item);
      });
    }
  }

  /** The items shown. */
  get items(): readonly T[] {
    return this.#items;
  }

  /** Whether the list is scrolled to its end (within a row). */
  get atEnd(): boolean {
    const { scrollTop, clientHeight, scrollHeight } = this.element;
    return scrollTop + clientHeight >= scrollHeight - this.#rowHeight;
  }

  /** Replaces the items; `follow`: keep the end in view. */
  setItems(items: readonly T[], follow = false): void {
    this.#items = items;
    this.#spacer.style.height = `${items.length * this.#rowHeight}px`;
    if (follow) this.element.scrollTop = this.element.scrollHeight;
    this.draw();
  }

  /** Scrolls so that item `index` is in view. */
  reveal(index: number): void {
    const top = index * this.#rowHeight;
    const { scrollTop, clientHeight } = this.element;
    if (top < scrollTop || top + this.#rowHeight > scrollTop + clientHeight) {
      this.element.scrollTop = Math.max(0, top - clientHeight / 2);
    }
    this.draw();
  }

  #schedule(): void {
    if (this.#frame !== 0) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.draw();
    });
  }

  /** Draws the rows in view. */
  draw(): void {
    const height = this.element.clientHeight || 400;
    // A list that got shorter: back to its end, not past it.
    const lastTop = Math.max(0, this.#items.length * this.#rowHeight - height);
    if (this.element.scrollTop > lastTop) this.element.scrollTop = lastTop;
    const first = Math.max(0, Math.floor(this.element.scrollTop / this.#rowHeight) - OVERSCAN);
    const last = Math.min(this.#items.length, first + Math.ceil(height / this.#rowHeight) + 2 * OVERSCAN);
    const count = Math.max(0, last - first);
    while (this.#pool.length < count) {
      const row = document.createElement('div');
      row.className = 'vrow';
      row.style.height = `${this.#rowHeight}px`;
      this.#pool.push(row);
      this.element.append(row);
    }
    for (let i = 0; i < this.#pool.length; i++) {
      const row = this.#pool[i]!;
      const index = first + i;
      if (i >= count) {
        row.hidden = true;
        continue;
      }
      row.hidden = false;
      row.dataset.index = String(index);
      row.style.transform = `translateY(${index * this.#rowHeight}px)`;
      this.#render(this.#items[index]!, row);
    }
  }
}
