// The DateTime scalar: graphql-scalars' DateTime (same name, description, parsing and
// checks), answering with the ISO string instead of a Date. The text on the wire is the
// same (JSON.stringify writes a Date as its ISO string), but a response of strings
// serialises about twice as fast as one of Dates, which JSON.stringify must call toJSON on.
import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * Date#toISOString, in about 40% of its time for the years 1000 to 9999 (a page of 500
 * events formats 500 of them); other years go to toISOString itself (zero-padded, or
 * written with a sign).
 */
export function isoString(d: Date): string {
  const year = d.getUTCFullYear();
  if (year < 1000 || year > 9999) return d.toISOString();
  return `${year}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad3(d.getUTCMilliseconds())}Z`;
}

/** The usual form of a time sent in variables: UTC, at most milliseconds. */
const PLAIN_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/**
 * The library's parsing, without its checks for the usual form: a batch of events parses
 * one time each, and the library's pattern and calendar checks cost more than the rest of
 * it. The round trip through the Date refuses what the calendar has not (02-30, 24:00),
 * which go, like every other form, to the library (and its errors).
 */
function parseTime(value: unknown): Date {
  if (typeof value === 'string' && PLAIN_UTC.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime()) && isoString(date).startsWith(value.slice(0, 19))) return date;
  }
  return DateTimeResolver.parseValue(value) as Date;
}

export const DateTime = new GraphQLScalarType<Date, string>({
  ...DateTimeResolver.toConfig(),
  parseValue: parseTime,
  // A valid Date (what records hold) directly; anything else checked as the library does.
  serialize: (value) => isoString(value instanceof Date && !Number.isNaN(value.getTime()) ? value : (DateTimeResolver.serialize(value) as Date)),
});
