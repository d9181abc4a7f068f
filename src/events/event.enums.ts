// The closed sets of the CADF event model as GraphQL enums. The enum values are the strings
// stored in PostgreSQL (and used by the source system), so no mapping is needed.
import { registerEnumType } from 'type-graphql';

export enum Outcome {
  SUCCESS = 'success',
  PENDING = 'pending',
  FAILURE = 'failure',
}

export enum Severity {
  NORMAL = 'normal',
  WARNING = 'warning',
  CRITICAL = 'critical',
}

export enum InitiatorType {
  USER = 'service/security/account/user',
  SERVICE_ID = 'service/security/account/serviceid',
  CERTIFICATE_ID = 'service/security/client/certificateid',
  CLIENT_ID = 'service/security/clientid',
}

export enum CredentialType {
  TOKEN = 'token',
  USER = 'user',
  APIKEY = 'apikey',
  CERTIFICATE = 'certificate',
  PUBLIC_ACCESS = 'public-access',
  HMAC = 'hmac',
  COMPUTE_RESOURCE = 'compute-resource',
  INSTANCE_IDENTITY_TOKEN = 'instance-identity-token',
  APIKEY_SERVICEID = 'apikey-serviceid',
  S2S_AUTHORIZATION = 's2s-authorization',
}

export enum AddressType {
  IPV4 = 'IPv4',
  IPV6 = 'IPv6',
  CSE = 'CSE',
  SUBNET = 'subnet',
}

/** Severity order, for "at least" filters and rules. */
export const SEVERITY_RANK: Record<Severity, number> = { normal: 0, warning: 1, critical: 2 };

registerEnumType(Outcome, { name: 'Outcome' });
registerEnumType(Severity, { name: 'Severity', description: 'normal < warning < critical' });
registerEnumType(InitiatorType, {
  name: 'InitiatorType',
  description: 'initiator.typeURI',
  valuesConfig: {
    USER: { description: '`service/security/account/user`' },
    SERVICE_ID: { description: '`service/security/account/serviceid`' },
    CERTIFICATE_ID: { description: '`service/security/client/certificateid`' },
    CLIENT_ID: { description: '`service/security/clientid`' },
  },
});
registerEnumType(CredentialType, { name: 'CredentialType', description: 'initiator.credential.type; values as in CADF with `-` written `_`.' });
registerEnumType(AddressType, { name: 'AddressType' });
