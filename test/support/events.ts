// Valid event inputs (the GraphQL form) for tests that need events but not particular ones.
/** The fields of a valid input: an audit-log reboot in us-south, successful. */
const VALID = {
  action: 'audit-log.vsi.reboot',
  initiator: { id: 'IBMid-1', typeURI: 'USER', credential: { type: 'TOKEN' } },
  outcome: 'SUCCESS',
  reason: { reasonCode: 200 },
  location: 'us-south',
};

/**
 * A maker of valid inputs with ids `<prefix>-1`, `<prefix>-2`, ..., each `ageMs` old when
 * made; `base` and each call's overrides replace fields.
 */
export function eventInputs(prefix: string, options: { ageMs?: number; base?: Record<string, unknown> } = {}) {
  let n = 0;
  return (overrides: Record<string, unknown> = {}) => ({
    id: `${prefix}-${++n}`,
    ...VALID,
    eventTime: new Date(Date.now() - (options.ageMs ?? 1000)).toISOString(),
    ...options.base,
    ...overrides,
  });
}
