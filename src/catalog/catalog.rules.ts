// Field-level rules of the catalog, shared by the manager's mutations and the importer.
import type { IssueList } from '../errors/errors.js';
import { SEGMENT } from './naming.js';

export const MAX_DISPLAY_NAME = 120;
export const MAX_DESCRIPTION = 2000;
export const MAX_GROUP = 200;
export const MAX_PATH = 500;
export const MAX_TEMPLATE_VALUES = 500;
export const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

export function checkText(issues: IssueList, field: string, value: string | null | undefined, max: number, index?: number, required = false): void {
  if (value === undefined || value === null) {
    if (required) issues.add(field, 'is required', index);
    return;
  }
  if (required && value.trim() === '') issues.add(field, 'must not be blank', index);
  if (value.length > max) issues.add(field, `must be at most ${max} characters`, index);
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(value)) issues.add(field, 'must not contain control characters', index);
}

export function checkHttp(issues: IssueList, prefix: string, method: string | null | undefined, path: string | null | undefined, index?: number): void {
  if (method !== undefined && method !== null && !HTTP_METHODS.has(method)) {
    issues.add(`${prefix}httpMethod`, `must be one of ${[...HTTP_METHODS].join(', ')}`, index);
  }
  if (path !== undefined && path !== null) {
    if (!path.startsWith('/')) issues.add(`${prefix}httpPath`, 'must start with /', index);
    if (path.length > MAX_PATH || /\s/.test(path)) issues.add(`${prefix}httpPath`, `must be a path without spaces, at most ${MAX_PATH} characters`, index);
  }
}

/** A template action needs the values of its variable; other actions have none. */
export function templateValuesProblem(variable: string | null, values: readonly string[]): string | null {
  if (variable === null) return values.length ? 'only a template action (with a `<variable>` segment) has values' : null;
  if (values.length === 0) return `a template action needs the values of <${variable}>`;
  if (values.length > MAX_TEMPLATE_VALUES) return `must have at most ${MAX_TEMPLATE_VALUES} values`;
  const bad = values.filter((v) => !SEGMENT.test(v));
  if (bad.length) return `values must be name segments (lowercase letters, digits, - and _): ${bad.slice(0, 3).map((v) => JSON.stringify(v)).join(', ')}`;
  if (new Set(values).size !== values.length) return 'values must be distinct';
  return null;
}

/** What an action says besides its name, checked alike for defineActions and imports. */
export interface ActionFields {
  description?: string | null;
  group?: string | null;
  httpMethod?: string | null;
  httpPath?: string | null;
  templateVariable: string | null;
  templateValues?: string[] | null;
}

/** Adds the problems of an action's fields (`at` is the field path before each name, e.g. `actions[3].`). */
export function checkActionFields(issues: IssueList, at: string, fields: ActionFields, index?: number): void {
  checkText(issues, `${at}description`, fields.description, MAX_DESCRIPTION, index);
  checkText(issues, `${at}group`, fields.group, MAX_GROUP, index);
  checkHttp(issues, at, fields.httpMethod, fields.httpPath, index);
  const values = templateValuesProblem(fields.templateVariable, fields.templateValues ?? []);
  if (values) issues.add(`${at}templateValues`, values, index);
}
