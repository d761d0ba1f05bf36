/**
 * The string formats the OCPP schemas use, as called by the generated validators. One rule each.
 *
 * `date-time` is RFC 3339 and strict by default. Many chargers send timestamps without a UTC offset
 * (`2024-01-01T10:00:00`); `formatOptions.lenientDateTime` accepts those. The validation glue sets it
 * around one synchronous validator call, so it never leaks between connections.
 */
export const formatOptions = { lenientDateTime: false };

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function isDateTime(value: string, lenient = formatOptions.lenientDateTime): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [, y, mo, d, h, mi, s, offset, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return false;
  if (day > (month === 2 && !isLeapYear(year) ? 28 : (DAYS_IN_MONTH[month - 1] as number))) return false;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return false;
  if (offset === undefined) return lenient;
  return oh === undefined || (Number(oh) <= 23 && Number(om) <= 59);
}

/** RFC 3986 URI, as far as a schema check needs: a scheme, then no spaces or control characters. */
export function isUri(value: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a URI may not hold
  return /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\u0000-\u001f\u007f]*$/.test(value);
}

/** The formats object the generated validators import. */
export const formats = {
  'date-time': (value: string): boolean => isDateTime(value),
  uri: isUri,
};

/** A string's length in Unicode code points, as JSON Schema's maxLength/minLength count it. */
export function ucs2length(value: string): number {
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    length++;
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return length;
}
