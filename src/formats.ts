/**
 * The string formats the OCPP schemas use, as called by the generated validators. One rule each.
 *
 * `date-time` is RFC 3339 and strict by default. Many chargers send timestamps without a UTC offset
 * (`2024-01-01T10:00:00`); `formatOptions.lenientDateTime` accepts those. The validation glue sets it
 * around one synchronous validator call, so it never leaks between connections.
 */
export const formatOptions = { lenientDateTime: false };

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** The value of the `count` decimal digits at `at`, or -1 when one of them is not a digit. */
function digits(value: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, read character by character (every timestamp of every message passes
 * here). `T` and `Z` may be lower case; seconds may be 60 (a leap second).
 */
export function isDateTime(value: string, lenient = formatOptions.lenientDateTime): boolean {
  const length = value.length;
  if (length < 19 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return false; // -
  const separator = value.charCodeAt(10) | 0x20; // T or t
  if (separator !== 116 || value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58) return false; // :
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  if (day > (month === 2 && !isLeapYear(year) ? 28 : (DAYS_IN_MONTH[month - 1] as number))) return false;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return false;
  let i = 19;
  if (i < length && value.charCodeAt(i) === 46) {
    // a fraction: at least one digit
    const start = ++i;
    while (i < length && digits(value, i, 1) >= 0) i++;
    if (i === start) return false;
  }
  if (i === length) return lenient;
  const zone = value.charCodeAt(i);
  if ((zone | 0x20) === 122) return i + 1 === length; // Z or z
  if ((zone !== 43 && zone !== 45) || i + 6 !== length || value.charCodeAt(i + 3) !== 58) return false; // + - :
  const offsetHour = digits(value, i + 1, 2);
  const offsetMinute = digits(value, i + 4, 2);
  return offsetHour >= 0 && offsetHour <= 23 && offsetMinute >= 0 && offsetMinute <= 59;
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
