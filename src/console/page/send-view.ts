/**
 * Sending a call: pick a charge point and one of the actions the CSMS may send it (its version's), fill the form
 * generated from that action's schema, send. The payload is checked against the schema first; a payload that fails
 * is refused here and nothing is sent. The answer, error or refusal is shown; the frames appear in the log.
 */
import schemas from 'ocpp-console-schemas';
import type { CallOutcome, ChargePointRow } from '../wire.ts';
import { h } from './dom.ts';
import { buildForm, type SchemaForm } from './form.ts';
import { problemsOf } from './schema.ts';

/** The call panel. */
export class SendView {
  readonly element: HTMLElement;
  readonly #chargePoint = h('select', { id: 'send-cp' });
  readonly #action = h('select', { id: 'send-action' });
  readonly #formBox = h('div', { class: 'form-box', id: 'send-form' });
  readonly #preview = h('pre', { class: 'preview', id: 'send-preview' });
  readonly #send = h('button', { type: 'button', id: 'send-button', class: 'primary' }, 'Send');
  readonly #result = h('div', { class: 'result', id: 'send-result' });
  readonly #post: (body: object) => Promise<CallOutcome>;
  #protocols = new Map<string, string>();
  #form: SchemaForm | undefined;

  /** @param post Sends `{ identity, action, payload }` to the server. */
  constructor(post: (body: object) => Promise<CallOutcome>) {
    this.#post = post;
    this.#chargePoint.addEventListener('change', () => this.#fillActions());
    this.#action.addEventListener('change', () => this.#buildForm());
    this.#formBox.addEventListener('input', () => this.#showPreview());
    this.#formBox.addEventListener('change', () => this.#showPreview());
    this.#formBox.addEventListener('click', () => queueMicrotask(() => this.#showPreview()));
    this.#send.addEventListener('click', () => void this.#submit());
    this.element = h(
      'section',
      { class: 'panel', id: 'send' },
      h('header', {}, h('h2', {}, 'Send a call')),
      h(
        'div',
        { class: 'send-pick' },
        h('label', {}, 'to ', this.#chargePoint),
        h('label', {}, 'action ', this.#action),
        this.#send,
      ),
      h('div', { class: 'send-body' }, this.#formBox, h('div', { class: 'send-side' }, this.#preview, this.#result)),
    );
  }

  /** Offers these charge points. */
  update(rows: Iterable<ChargePointRow>): void {
    const previous = this.#chargePoint.value;
    this.#protocols = new Map([...rows].map((row) => [row.identity, row.protocol]));
    const identities = [...this.#protocols.keys()].sort();
    const current = [...this.#chargePoint.options].map((o) => o.value);
    if (current.length === identities.length && current.every((v, i) => v === identities[i])) return;
    this.#chargePoint.replaceChildren(...identities.map((identity) => h('option', { value: identity }, identity)));
    if (identities.includes(previous)) this.#chargePoint.value = previous;
    if (this.#chargePoint.value !== previous || this.#action.options.length === 0) this.#fillActions();
  }

  /** Picks the charge point a call goes to. */
  pick(identity: string): void {
    if (!this.#protocols.has(identity)) return;
    this.#chargePoint.value = identity;
    this.#fillActions();
  }

  #fillActions(): void {
    const protocol = this.#protocols.get(this.#chargePoint.value);
    const previous = this.#action.value;
    const actions = Object.keys((protocol && schemas[protocol]) ?? {});
    const same = [...this.#action.options].map((o) => o.value).join() === actions.join();
    if (!same) {
      this.#action.replaceChildren(...actions.map((action) => h('option', { value: action }, action)));
      this.#action.value = actions.includes(previous)
        ? previous
        : (actions.find((a) => a === 'Reset') ?? actions[0] ?? '');
      this.#buildForm();
    }
  }

  #schema() {
    const protocol = this.#protocols.get(this.#chargePoint.value);
    return protocol === undefined ? undefined : schemas[protocol]?.[this.#action.value];
  }

  #buildForm(): void {
    const schema = this.#schema();
    this.#form = schema ? buildForm(schema, this.#action.value) : undefined;
    this.#formBox.replaceChildren(this.#form?.element ?? h('p', { class: 'muted' }, 'No charge point connected.'));
    this.#result.replaceChildren();
    this.#showPreview();
  }

  #showPreview(): void {
    this.#preview.textContent = this.#form ? JSON.stringify(this.#form.read(), null, 2) : '';
  }

  async #submit(): Promise<void> {
    const schema = this.#schema();
    if (!this.#form || !schema) return;
    const identity = this.#chargePoint.value;
    const action = this.#action.value;
    const payload = this.#form.read();
    const problems = problemsOf(schema, payload);
    this.#form.mark(problems);
    if (problems.length > 0) {
      this.#result.replaceChildren(
        h('h3', { class: 'refused' }, 'Not sent: the payload does not fit the schema'),
        h('ul', {}, ...problems.map((p) => h('li', {}, `${p.path || '/'} ${p.message}`))),
      );
      this.#result.dataset.outcome = 'invalid';
      return;
    }
    this.#send.disabled = true;
    this.#result.dataset.outcome = 'pending';
    this.#result.replaceChildren(h('p', { class: 'muted' }, `${action} sent to ${identity}…`));
    try {
      const outcome = await this.#post({ identity, action, payload });
      this.#result.dataset.outcome = outcome.ok ? 'answered' : outcome.refused ? 'refused' : 'failed';
      this.#result.replaceChildren(
        outcome.ok
          ? h('h3', { class: 'answered' }, `${action} answered by ${identity} in ${outcome.latency} ms`)
          : h('h3', { class: 'refused' }, `${outcome.refused ? 'Not sent' : 'Failed'}: ${outcome.error}`),
        h('pre', {}, outcome.ok ? JSON.stringify(outcome.result, null, 2) : outcome.message),
      );
    } catch (error) {
      this.#result.dataset.outcome = 'failed';
      this.#result.replaceChildren(h('h3', { class: 'refused' }, `Failed: ${(error as Error).message}`));
    } finally {
      this.#send.disabled = false;
    }
  }
}
