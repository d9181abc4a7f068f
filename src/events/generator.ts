// Realistic synthetic events from the catalog, deterministic for a seed: a few hot actions
// and a long tail (Zipf), many initiators (users and service IDs), about 3% failures with
// HTTP reason codes, every location (where the service allows it), bursts of events that
// share a correlation id, CRN targets and some request data. Times rise from `from` to `to`.
import type { CatalogSnapshot } from '../catalog/catalog.cache.js';
import { GLOBAL_LOCATION } from '../catalog/locations.data.js';
import { AddressType, CredentialType, InitiatorType, Outcome } from './event.enums.js';
import type { EventInput } from './event.model.js';

export interface GeneratorOptions {
  count: number;
  seed?: number;
  from: Date;
  to: Date;
  accountId?: string;
  initiators?: number;
  /** Prefix of generated event ids (keeps runs with other seeds apart). */
  idPrefix?: string;
}

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index sampler with P(k) proportional to 1/(k+1)^s. */
function zipf(n: number, s: number, random: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let k = 0; k < n; k++) cumulative.push((total += 1 / Math.pow(k + 1, s)));
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const FAILURE_CODES = [400, 400, 401, 403, 403, 404, 404, 409, 500, 503];
const FIRST = ['alex', 'sam', 'kim', 'jo', 'lee', 'max', 'ana', 'li', 'noa', 'eli', 'ray', 'ivy', 'zoe', 'ben', 'mia'];
const LAST = ['smith', 'ng', 'garcia', 'muller', 'tanaka', 'rossi', 'khan', 'silva', 'dubois', 'kowalski'];

export function* generateEvents(catalog: CatalogSnapshot, options: GeneratorOptions): Generator<EventInput> {
  const random = prng(options.seed ?? 42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const account = options.accountId ?? 'a1b2c3d4';
  const idPrefix = options.idPrefix ?? 'gen';

  // Concrete action names, shuffled deterministically so the hot ones vary by seed.
  const actions = [...catalog.actionsById.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((a) => (a.templateVariable ? a.templateValues.map((v) => ({ action: a, name: a.name.replace(`<${a.templateVariable}>`, v), objectType: v })) : [{ action: a, name: a.name, objectType: a.objectType }]));
  for (let i = actions.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [actions[i], actions[j]] = [actions[j]!, actions[i]!];
  }
  const nextAction = zipf(actions.length, 1.1, random);
  const regions = [...catalog.locationCodes].filter((c) => c !== GLOBAL_LOCATION).sort();

  const people = Array.from({ length: options.initiators ?? 500 }, (_, i) => {
    const service = i % 10 === 9;
    const name = service ? `ServiceId-${(i * 7919).toString(16).padStart(8, '0')}` : `${pick(FIRST)}.${pick(LAST)}${i}@example.com`;
    return {
      id: service ? `iam-ServiceId-${(i * 104729).toString(16).padStart(12, '0')}` : `IBMid-${(270000000 + i * 97).toString()}`,
      name,
      typeURI: service ? InitiatorType.SERVICE_ID : InitiatorType.USER,
      credential: service ? CredentialType.APIKEY : pick([CredentialType.TOKEN, CredentialType.TOKEN, CredentialType.USER, CredentialType.APIKEY]),
      host: `10.${(i >> 8) & 255}.${i & 255}.${1 + (i % 200)}`,
    };
  });
  const nextPerson = zipf(people.length, 0.9, random);

  const span = options.to.getTime() - options.from.getTime();
  let correlation = '';
  let burstPerson = people[0]!;
  for (let n = 0; n < options.count; n++) {
    const time = new Date(options.from.getTime() + Math.floor((span * (n + random())) / options.count));
    const { action, name, objectType } = actions[nextAction()]!;
    const declared = [...action.service.locations];
    const location = declared.length ? (random() < 0.05 ? GLOBAL_LOCATION : pick(declared)) : random() < 0.08 ? GLOBAL_LOCATION : pick(regions);
    // Bursts: a third of the events continue the previous one's correlation and initiator.
    if (n === 0 || random() > 0.33) {
      correlation = `${(random() * 0xffffffff).toString(16).padStart(8, '0').slice(0, 8)}-${n.toString(16).padStart(4, '0')}-4${Math.floor(random() * 0xfff).toString(16).padStart(3, '0')}-8000-${time.getTime().toString(16).padStart(12, '0')}`;
      burstPerson = people[nextPerson()]!;
    }
    const person = burstPerson;
    const r = random();
    const outcome = r < 0.03 ? Outcome.FAILURE : r < 0.035 ? Outcome.PENDING : Outcome.SUCCESS;
    const reasonCode = outcome === Outcome.FAILURE ? pick(FAILURE_CODES) : outcome === Outcome.PENDING ? 202 : pick([200, 200, 200, 201, 204]);
    const instance = `${(Math.floor(random() * 40) + 1).toString(16).padStart(4, '0')}-instance`;
    const resource = `${objectType}-${Math.floor(random() * 300)}`;
    const crnLocation = location === GLOBAL_LOCATION ? '' : location;
    const idBits = Math.floor(random() * 0xffffffff).toString(16).padStart(8, '0');
    yield {
      id: `${idPrefix}-${time.getTime().toString(36)}-${n.toString(36)}-${idBits}`,
      action: name,
      eventTime: time,
      correlationId: correlation,
      dataEvent: /^(read|get|list|send|receive)$/.test(action.verb) && random() < 0.5,
      initiator: {
        id: person.id,
        name: person.name,
        typeURI: person.typeURI,
        credential: { type: person.credential },
        host: { address: person.host, addressType: AddressType.IPV4, agent: random() < 0.5 ? 'IBM Cloud CLI 2.30.0' : 'Mozilla/5.0' },
      },
      target: {
        id: `crn:v1:bluemix:public:${action.service.prefix}:${crnLocation}:a/${account}:${instance}:${objectType}:${resource}`,
        name: resource,
        typeURI: `${action.service.prefix}/${objectType}`,
      },
      outcome,
      reason: { reasonCode, ...(outcome === Outcome.FAILURE ? { reasonType: 'Forbidden', reasonForFailure: `request refused with ${reasonCode}` } : {}) },
      location,
      requestData: random() < 0.2 ? { requestId: idBits, instance, options: { dryRun: random() < 0.1 } } : null,
      logSourceCRN: `crn:v1:bluemix:public:${action.service.prefix}:${crnLocation}:a/${account}:${instance}::`,
    };
  }
}

const enumName = <E extends Record<string, string>>(e: E, value: string | null | undefined) =>
  value === null || value === undefined ? value : Object.keys(e).find((k) => e[k] === value);

/** The same event as GraphQL variables: enum names instead of CADF values, ISO times. */
export function toGraphQLInput(input: EventInput): Record<string, unknown> {
  return {
    ...input,
    eventTime: input.eventTime.toISOString(),
    outcome: enumName(Outcome, input.outcome),
    ...(input.severity ? { severity: input.severity.toUpperCase() } : {}),
    initiator: {
      ...input.initiator,
      typeURI: enumName(InitiatorType, input.initiator.typeURI),
      credential: input.initiator.credential ? { type: enumName(CredentialType, input.initiator.credential.type) } : input.initiator.credential,
      host: input.initiator.host ? { ...input.initiator.host, addressType: enumName(AddressType, input.initiator.host.addressType) } : input.initiator.host,
    },
  };
}
