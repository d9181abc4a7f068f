// The error policy: coded errors pass through; everything else is masked with an error id
// that is logged together with its cause.
import { Writable } from 'node:stream';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors/codes.js';
import { ConflictError, UserInputError } from '../../src/errors/errors.js';
import { createErrorFormatter } from '../../src/errors/format.js';
import { createLogger } from '../../src/logging/logger.js';

function capture() {
  const lines: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, formatError: createErrorFormatter(createLogger('info', sink)) };
}

function resolverError(original: Error): GraphQLError {
  return new GraphQLError(original.message, { originalError: original, path: ['x'] });
}

describe('error formatting', () => {
  it('masks an unexpected error and logs it with the same error id', async () => {
    const { lines, formatError } = capture();
    const thrown = resolverError(new TypeError('cannot read properties of undefined (secret detail)'));
    const out = formatError({ message: thrown.message, path: ['x'], extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] } }, thrown);
    expect(out.message).toMatch(/^Internal server error \(error id [0-9a-f-]{36}\)$/);
    expect(out.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String) });
    expect(JSON.stringify(out)).not.toContain('secret detail');
    await new Promise((resolve) => setImmediate(resolve));
    const logged = lines.find((l) => l.errorId === out.extensions!.errorId);
    expect(logged?.err?.message).toContain('secret detail');
  });

  it('passes coded errors through without a stack trace', () => {
    const { formatError } = capture();
    const error = new UserInputError({ field: 'input.prefix', reason: 'must be lowercase' });
    const out = formatError({ message: error.message, extensions: { ...error.extensions, stacktrace: ['at y'] } }, error);
    expect(out).toEqual({ message: 'input.prefix: must be lowercase', extensions: { code: 'BAD_USER_INPUT', field: 'input.prefix', reason: 'must be lowercase' } });
    const conflict = new ConflictError('taken');
    expect(formatError({ message: 'taken', extensions: conflict.extensions }, conflict).extensions?.code).toBe(ErrorCode.CONFLICT);
  });

  it('turns database outages and constraint violations into coded errors', () => {
    const { formatError } = capture();
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(formatError({ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, resolverError(down)).extensions?.code).toBe('SERVICE_UNAVAILABLE');
    const duplicate = Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'services_prefix_key' });
    expect(formatError({ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, resolverError(duplicate)).extensions?.code).toBe('CONFLICT');
    const slow = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    expect(formatError({ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, resolverError(slow)).extensions?.code).toBe('TIMEOUT');
  });

  it('lists every issue of a batch with its index', () => {
    const error = new UserInputError([
      { index: 0, field: 'inputs[0].name', reason: 'unknown service' },
      { index: 3, field: 'inputs[3].name', reason: 'duplicate' },
    ]);
    expect(error.message).toBe('2 invalid items; first: item 0: inputs[0].name: unknown service');
    expect(error.extensions.issues).toHaveLength(2);
  });
});
