/**
 * The glue between the runtime and the validators compiled ahead of time. A validator runs synchronously, so the
 * `date-time` leniency flag is set for exactly one call and restored in `finally`: it never leaks between
 * connections. Validators never change the data they check.
 */
import { formatOptions } from './formats.ts';
import type { ValidationIssue, Validator } from './protocol.ts';
import { EMPTY } from './util.ts';

const UNKNOWN_ISSUE: ValidationIssue = Object.freeze({
  keyword: 'unknown',
  instancePath: '',
  message: 'fails its schema',
  params: EMPTY,
});

/** Run `validator` on `data`: `undefined` when valid, else the first issue. No validator: valid. */
export function validate(
  validator: Validator<unknown> | undefined,
  data: unknown,
  lenientDateTime: boolean,
): ValidationIssue | undefined {
  if (validator === undefined) return undefined;
  let ok: boolean;
  if (lenientDateTime) {
    const previous = formatOptions.lenientDateTime;
    formatOptions.lenientDateTime = true;
    try {
      ok = validator(data);
    } finally {
      formatOptions.lenientDateTime = previous;
    }
  } else {
    ok = validator(data);
  }
  if (ok) return undefined;
  return validator.errors?.[0] ?? UNKNOWN_ISSUE;
}
