// An audit event as the domain sees it: the CADF fields, nested as CADF nests them (and as
// GraphQL shows them), plus what the gateway derives at ingest (service, object type, verb,
// template value) and the receiving account.
import type { AddressType, CredentialType, InitiatorType, Outcome, Severity } from './event.enums.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface EventRecord {
  accountId: string;
  id: string;
  eventTime: Date;
  receivedAt: Date;
  actionId: number;
  /** The concrete action name, e.g. `pm-20.wml_model.list`. */
  action: string;
  /**
   * The same name under the one the API reads it by (Event.action is the catalog action).
   * A property rather than a field resolver: the compiled query reads it directly, where a
   * resolver cost about 1 µs per event of a page. Not part of the content (eventContent).
   */
  actionName: string;
  templateValue: string | null;
  servicePrefix: string;
  objectType: string;
  verb: string;
  correlationId: string | null;
  dataEvent: boolean;
  initiator: {
    id: string | null;
    name: string | null;
    authnId: string | null;
    authnName: string | null;
    typeURI: InitiatorType | null;
    credential: { type: CredentialType | null };
    host: { address: string | null; addressType: AddressType | null; agent: string | null };
  };
  target: {
    id: string | null;
    name: string | null;
    alias: string | null;
    typeURI: string | null;
    resourceGroupId: string | null;
    host: { address: string | null };
  };
  observer: { name: string };
  outcome: Outcome;
  reason: { reasonCode: number | null; reasonType: string | null; reasonForFailure: string | null };
  severity: Severity;
  location: string;
  message: string;
  requestData: JsonValue | null;
  responseData: JsonValue | null;
  logSourceCRN: string | null;
  saveServiceCopy: boolean;
}

type Optional<T> = { [K in keyof T]?: T[K] | null };

/** An event as a client records it: the same shape, most fields optional. */
export interface EventInput {
  id?: string | null;
  action: string;
  eventTime: Date;
  correlationId?: string | null;
  dataEvent?: boolean | null;
  initiator: Optional<Omit<EventRecord['initiator'], 'credential' | 'host'>> & {
    credential?: Optional<EventRecord['initiator']['credential']> | null;
    host?: Optional<EventRecord['initiator']['host']> | null;
  };
  target?: (Optional<Omit<EventRecord['target'], 'host'>> & { host?: Optional<EventRecord['target']['host']> | null }) | null;
  observer?: Optional<EventRecord['observer']> | null;
  outcome: Outcome;
  reason?: Optional<EventRecord['reason']> | null;
  severity?: Severity | null;
  location: string;
  message?: string | null;
  requestData?: unknown;
  responseData?: unknown;
  logSourceCRN?: string | null;
  saveServiceCopy?: boolean | null;
}
