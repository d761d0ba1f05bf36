/**
 * A form generated from a request's JSON schema: a field per property, required ones marked, enums as selects,
 * nested objects as fieldsets (optional ones behind a checkbox), arrays with add and remove, anything untyped as
 * JSON. The form reads into a payload; the schema (not the form) decides whether it is valid.
 */
import { h } from './dom.ts';
import { type JsonSchema, resolve, type SchemaProblem } from './schema.ts';

/** A field of the form: reads its value (`undefined`: left out of the payload). */
interface Field {
  readonly element: HTMLElement;
  read(): unknown;
}

/** A generated form: its element, the payload it holds, and a way to mark the fields a problem is about. */
export interface SchemaForm {
  readonly element: HTMLElement;
  read(): Record<string, unknown>;
  mark(problems: readonly SchemaProblem[]): void;
}

const NOT_SET = '';

function label(name: string, required: boolean, schema: JsonSchema): HTMLElement {
  const hints = [
    schema.format,
    schema.maxLength === undefined ? undefined : `≤ ${schema.maxLength} chars`,
    schema.minimum === undefined ? undefined : `≥ ${schema.minimum}`,
    schema.maximum === undefined ? undefined : `≤ ${schema.maximum}`,
  ].filter(Boolean);
  return h(
    'span',
    { class: 'field-name', title: schema.description },
    name,
    required ? h('abbr', { class: 'required', title: 'required' }, '*') : undefined,
    hints.length > 0 ? h('small', {}, ` ${hints.join(', ')}`) : undefined,
  );
}

/** A number from the text when it is one; else the text itself, for the schema to refuse. */
function readNumber(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

function scalarField(schema: JsonSchema, name: string, required: boolean, path: string): Field {
  const type = schema.type;
  if (schema.enum !== undefined || type === 'boolean') {
    const values = schema.enum ?? [true, false];
    const select = h('select', { 'data-path': path });
    if (!required) select.append(h('option', { value: NOT_SET }, '— not set —'));
    values.forEach((value, index) => {
      select.append(
        h('option', { value: String(index), selected: value === schema.default && required }, String(value)),
      );
    });
    return {
      element: h('label', { class: 'field' }, label(name, required, schema), select),
      read: () => (select.value === NOT_SET ? undefined : values[Number(select.value)]),
    };
  }
  if (type === 'string' || type === 'integer' || type === 'number') {
    const initial = schema.format === 'date-time' && required ? new Date().toISOString() : '';
    const input = h('input', {
      'data-path': path,
      type: 'text',
      value: initial,
      inputmode: type === 'string' ? undefined : 'decimal',
      placeholder: schema.format === 'date-time' ? '2025-01-31T12:00:00Z' : type,
      spellcheck: 'false',
    });
    return {
      element: h('label', { class: 'field' }, label(name, required, schema), input),
      read: () => (type === 'string' ? (input.value === '' ? undefined : input.value) : readNumber(input.value)),
    };
  }
  // No type (1.6 DataTransfer's data, 2.x's anything): JSON, or the text as a string.
  const area = h('textarea', { 'data-path': path, rows: 2, placeholder: 'JSON or text', spellcheck: 'false' });
  return {
    element: h('label', { class: 'field' }, label(name, required, schema), area),
    read: () => {
      if (area.value.trim() === '') return undefined;
      try {
        return JSON.parse(area.value);
      } catch {
        return area.value;
      }
    },
  };
}

function objectField(schema: JsonSchema, root: JsonSchema, name: string, required: boolean, path: string): Field {
  const fields = Object.entries(schema.properties ?? {}).map(([key, property]) => {
    return [key, fieldFor(property, root, key, schema.required?.includes(key) ?? false, `${path}/${key}`)] as const;
  });
  const body = h('div', { class: 'object-body' }, ...fields.map(([, field]) => field.element));
  const read = (): Record<string, unknown> => {
    const value: Record<string, unknown> = {};
    for (const [key, field] of fields) {
      const v = field.read();
      if (v !== undefined) value[key] = v;
    }
    return value;
  };
  if (required || path === '') {
    return {
      element: h(
        'fieldset',
        { class: 'object', 'data-path': path },
        h('legend', {}, label(name, required, schema)),
        body,
      ),
      read,
    };
  }
  const include = h('input', { type: 'checkbox', 'data-include': path });
  body.hidden = true;
  include.addEventListener('change', () => {
    body.hidden = !include.checked;
  });
  const legend = h('legend', {}, h('label', {}, include, label(name, false, schema)));
  return {
    element: h('fieldset', { class: 'object optional', 'data-path': path }, legend, body),
    read: () => (include.checked ? read() : undefined),
  };
}

function arrayField(schema: JsonSchema, root: JsonSchema, name: string, required: boolean, path: string): Field {
  const items: Field[] = [];
  const list = h('div', { class: 'array-items' });
  const itemSchema = schema.items ?? {};
  const renumber = (): void => {
    // Paths follow the items' places, so that a problem at `/list/1` marks the second one.
    list.querySelectorAll<HTMLElement>(':scope > .array-item').forEach((element, index) => {
      element.dataset.path = `${path}/${index}`;
    });
  };
  const add = (): void => {
    const field = fieldFor(itemSchema, root, `${name}[${items.length}]`, true, `${path}/${items.length}`);
    const remove = h('button', { type: 'button', class: 'remove', title: 'remove this item' }, '×');
    const element = h('div', { class: 'array-item' }, field.element, remove);
    remove.addEventListener('click', () => {
      items.splice(items.indexOf(field), 1);
      element.remove();
      renumber();
    });
    items.push(field);
    list.append(element);
    renumber();
  };
  const initial = required ? Math.max(1, schema.minItems ?? 0) : 0;
  for (let i = 0; i < initial; i++) add();
  const addButton = h('button', { type: 'button', class: 'add', 'data-add': path }, `+ add ${name}`);
  addButton.addEventListener('click', add);
  return {
    element: h(
      'fieldset',
      { class: 'array', 'data-path': path },
      h('legend', {}, label(name, required, schema)),
      list,
      addButton,
    ),
    read: () => {
      const values = items.map((item) => item.read()).filter((value) => value !== undefined);
      return values.length === 0 && !required ? undefined : values;
    },
  };
}

function fieldFor(raw: JsonSchema, root: JsonSchema, name: string, required: boolean, path: string): Field {
  const schema = resolve(raw, root);
  if (schema.type === 'object' && schema.enum === undefined) return objectField(schema, root, name, required, path);
  if (schema.type === 'array') return arrayField(schema, root, name, required, path);
  return scalarField(schema, name, required, path);
}

/** A form for `schema`, the request of `action`. */
export function buildForm(schema: JsonSchema, action: string): SchemaForm {
  const root = fieldFor(schema, schema, action, true, '');
  const element = h('div', { class: 'schema-form' }, root.element);
  return {
    element,
    read: () => (root.read() as Record<string, unknown> | undefined) ?? {},
    mark(problems) {
      for (const marked of element.querySelectorAll('.invalid')) marked.classList.remove('invalid');
      for (const old of element.querySelectorAll('.problem')) old.remove();
      for (const problem of problems) {
        const target = element.querySelector<HTMLElement>(`[data-path="${CSS.escape(problem.path)}"]`);
        const holder = target?.closest<HTMLElement>('.field, fieldset, .array-item') ?? element;
        holder.classList.add('invalid');
        holder.append(h('div', { class: 'problem' }, `${problem.path || '/'} ${problem.message}`));
      }
    },
  };
}
