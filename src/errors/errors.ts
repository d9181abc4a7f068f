// Errors a client can cause. Each carries a fixed code; domain code throws these and never
// a bare Error for a client's mistake.
import { GraphQLError } from 'graphql';
import { ErrorCode } from './codes.js';

/** One problem with the input: which field (a path such as `inputs[3].action`) and why. */
export interface InputIssue {
  field: string;
  reason: string;
  /** Position in a batch, when the input is a list. */
  index?: number;
  /** Extra hints, e.g. the closest known action names. */
  hints?: string[];
}

export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extensions } });
    this.code = code;
  }
}

export function describeIssue(issue: InputIssue): string {
  const where = issue.index === undefined ? issue.field : `item ${issue.index}: ${issue.field}`;
  return `${where}: ${issue.reason}`;
}

/** Invalid input. Lists every issue so a client can fix a whole batch at once. */
export class UserInputError extends GatewayError {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[] | InputIssue) {
    const list = Array.isArray(issues) ? issues : [issues];
    const first = list[0];
    const message = first
      ? list.length === 1
        ? describeIssue(first)
        : `${list.length} invalid items; first: ${describeIssue(first)}`
      : 'invalid input';
    super(ErrorCode.BAD_USER_INPUT, message, {
      field: first?.field,
      reason: first?.reason,
      ...(first?.index !== undefined ? { index: first.index } : {}),
      ...(list.length > 1 || first?.index !== undefined || first?.hints ? { issues: list } : {}),
    });
    this.issues = list;
  }
}

export class NotFoundError extends GatewayError {
  constructor(what: string, key: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.NOT_FOUND, `${what} "${key}" does not exist`, { ...extensions });
  }
}

export class ConflictError extends GatewayError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.CONFLICT, message, extensions);
  }
}

export class ServiceUnavailableError extends GatewayError {
  constructor(message = 'the database is unavailable; retry shortly') {
    super(ErrorCode.SERVICE_UNAVAILABLE, message);
  }
}

/** Collects input problems so that a batch reports all of them at once. */
export class IssueList {
  readonly items: InputIssue[] = [];

  add(field: string, reason: string, index?: number, hints?: string[]): void {
    this.items.push({ field, reason, ...(index !== undefined ? { index } : {}), ...(hints?.length ? { hints } : {}) });
  }

  get size(): number {
    return this.items.length;
  }

  throwIfAny(): void {
    if (this.items.length) throw new UserInputError(this.items);
  }
}
