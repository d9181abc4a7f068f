// PostgreSQL's binary form of one-dimensional arrays, written straight into one buffer per
// batch. Ingest sends each column of a batch as one array parameter; as text (an array
// literal) the gateway had to quote and escape every element and `pg` to encode the result
// again, and PostgreSQL to parse the literal and every element's text (times above all).
// In binary form each text element is encoded once, and times, numbers and booleans are
// written as PostgreSQL holds them. `pg` sends a Buffer parameter in binary format.

/** How a column's values are written; each maps to one element type. */
export type BinaryKind = 'text' | 'int' | 'bigint' | 'bool' | 'time' | 'json' | 'hash';

/** The element type of each kind (pg_type OIDs, fixed in every PostgreSQL). */
const ELEMENT_TYPE: Record<BinaryKind, number> = { text: 25, int: 23, bigint: 20, bool: 16, time: 1184, json: 3802, hash: 17 };

/** PostgreSQL counts time in microseconds from 2000-01-01 UTC. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_32 = 2 ** 32;

/**
 * Writes `text` in UTF-8 at `at`; returns its size. Most values are short and ASCII: copied
 * here, they skip Buffer#write's checks, which cost more than the copy.
 */
function writeText(buffer: Buffer, text: string, at: number): number {
  const n = text.length;
  if (n <= 64) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      buffer[at + i] = c;
    }
    if (i === n) return n;
  }
  return buffer.write(text, at);
}

/**
 * `buffer` (whose first `end` bytes are written) with room for `bytes` more: itself, or a
 * copy at least twice its size. Views taken of the old buffer stay valid.
 */
export function withRoom(buffer: Buffer, end: number, bytes: number): Buffer {
  if (end + bytes <= buffer.length) return buffer;
  const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, end + bytes));
  buffer.copy(grown, 0, 0, end);
  return grown;
}

/**
 * Writes columns of a batch, each as a binary array, into one buffer (grown as needed) and
 * returns a view of it per column. A value of a column is null/undefined (SQL NULL) or: a
 * string (text), an integer (int, bigint: below 2^53), a boolean (bool), a Date or
 * milliseconds since 1970 (time), any JSON value (json) or a SHA-256 in hex (hash). Strings
 * must be well-formed UTF-16 without NUL (the events manager refuses the others).
 */
export function binaryArrays(count: number, columns: Array<{ kind: BinaryKind; value: (row: number) => unknown }>): Buffer[] {
  let buffer: Buffer = Buffer.allocUnsafe(Math.max(1024, count * columns.length * 24));
  let end = 0;
  const room = (bytes: number) => {
    buffer = withRoom(buffer, end, bytes);
  };
  const views: Buffer[] = [];
  for (const { kind, value } of columns) {
    const start = end;
    room(20);
    buffer.writeInt32BE(1, end); // dimensions
    buffer.writeInt32BE(0, end + 4); // has nulls: set below
    buffer.writeInt32BE(ELEMENT_TYPE[kind], end + 8);
    buffer.writeInt32BE(count, end + 12);
    buffer.writeInt32BE(1, end + 16); // lower bound
    end += 20;
    let nulls = false;
    for (let row = 0; row < count; row++) {
      const v = value(row);
      if (v === null || v === undefined) {
        room(4);
        buffer.writeInt32BE(-1, end);
        end += 4;
        nulls = true;
        continue;
      }
      switch (kind) {
        case 'text': {
          const text = v as string;
          // UTF-8 takes at most 3 bytes per UTF-16 unit.
          room(4 + text.length * 3);
          const bytes = writeText(buffer, text, end + 4);
          buffer.writeInt32BE(bytes, end);
          end += 4 + bytes;
          break;
        }
        case 'int':
          room(8);
          buffer.writeInt32BE(4, end);
          buffer.writeInt32BE(v as number, end + 4);
          end += 8;
          break;
        case 'bool':
          room(5);
          buffer.writeInt32BE(1, end);
          buffer[end + 4] = v ? 1 : 0;
          end += 5;
          break;
        case 'bigint':
        case 'time': {
          // An int64 (microseconds from 2000 for a time), written as two halves: exact below 2^53.
          const n = kind === 'bigint' ? (v as number) : ((typeof v === 'number' ? v : (v as Date).getTime()) - POSTGRES_EPOCH_MS) * 1000;
          const high = Math.floor(n / TWO_32);
          room(12);
          buffer.writeInt32BE(8, end);
          buffer.writeInt32BE(high, end + 4);
          buffer.writeUInt32BE(n - high * TWO_32, end + 8);
          end += 12;
          break;
        }
        case 'json': {
          const text = JSON.stringify(v);
          room(5 + text.length * 3);
          buffer[end + 4] = 1; // jsonb's binary format version
          const bytes = buffer.write(text, end + 5);
          buffer.writeInt32BE(bytes + 1, end);
          end += 5 + bytes;
          break;
        }
        case 'hash':
          room(36);
          buffer.writeInt32BE(32, end);
          buffer.write(v as string, end + 4, 'hex');
          end += 36;
          break;
      }
    }
    if (nulls) buffer.writeInt32BE(1, start + 4);
    views.push(buffer.subarray(start, end));
  }
  return views;
}

/** One binary array of `values` (see binaryArrays). */
export function binaryArray(kind: BinaryKind, values: unknown[]): Buffer {
  return binaryArrays(values.length, [{ kind, value: (row) => values[row] }])[0]!;
}
