// Severity when a client does not give one (the source system's reason-code table):
// 400, 409, 424, 500, 502, 504, 505 are warnings; 401, 403, 503, 507 critical. Other
// failures are warnings (the domain notes: "failures ... warning"); the rest normal.
import { Outcome, Severity } from './event.enums.js';

const WARNING_CODES = new Set([400, 409, 424, 500, 502, 504, 505]);
const CRITICAL_CODES = new Set([401, 403, 503, 507]);

export function defaultSeverity(reasonCode: number | null | undefined, outcome: Outcome): Severity {
  if (reasonCode !== null && reasonCode !== undefined) {
    if (CRITICAL_CODES.has(reasonCode)) return Severity.CRITICAL;
    if (WARNING_CODES.has(reasonCode)) return Severity.WARNING;
  }
  return outcome === Outcome.FAILURE ? Severity.WARNING : Severity.NORMAL;
}
