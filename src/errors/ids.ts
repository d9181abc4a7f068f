// The ids of rows as clients pass them, checked in one place before any SQL sees them: a
// string that cannot be an id of its kind names nothing (a lookup answers not found), and
// one in a filter is a client's mistake (BAD_USER_INPUT naming the field), never a database
// error about a uuid's syntax.
import { UserInputError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SERIAL = /^\d{1,18}$/;

/** Targets, routes, keys and verifications have uuids. */
export const isUuid = (value: string): boolean => UUID.test(value);

/** Deliveries have serial numbers. */
export const isSerial = (value: string): boolean => SERIAL.test(value);

/** Throws BAD_USER_INPUT when `value` is given (an empty string included) and is no uuid. */
export function requireUuidIfGiven(field: string, value: string | null | undefined, what: string): void {
  if (value !== null && value !== undefined && !isUuid(value)) throw new UserInputError({ field, reason: `is not ${what} id (a uuid)` });
}
