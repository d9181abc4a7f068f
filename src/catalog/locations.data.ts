// The locations the activity-tracking documentation names (see ../shared/docs/domain.md).
// `global` stands for account-level events that belong to no region.
export const GLOBAL_LOCATION = 'global';

export interface LocationRecord {
  code: string;
  name: string;
  geography: string | null;
  kind: 'regional' | 'global';
}

export const KNOWN_LOCATIONS: readonly LocationRecord[] = [
  { code: 'us-south', name: 'Dallas', geography: 'Americas', kind: 'regional' },
  { code: 'us-east', name: 'Washington', geography: 'Americas', kind: 'regional' },
  { code: 'ca-tor', name: 'Toronto', geography: 'Americas', kind: 'regional' },
  { code: 'br-sao', name: 'Sao Paulo', geography: 'Americas', kind: 'regional' },
  { code: 'jp-tok', name: 'Tokyo', geography: 'Asia Pacific', kind: 'regional' },
  { code: 'au-syd', name: 'Sydney', geography: 'Asia Pacific', kind: 'regional' },
  { code: 'jp-osa', name: 'Osaka', geography: 'Asia Pacific', kind: 'regional' },
  { code: 'in-che', name: 'Chennai', geography: 'Asia Pacific', kind: 'regional' },
  { code: 'eu-de', name: 'Frankfurt', geography: 'Europe', kind: 'regional' },
  { code: 'eu-gb', name: 'London', geography: 'Europe', kind: 'regional' },
  { code: 'eu-es', name: 'Madrid', geography: 'Europe', kind: 'regional' },
  { code: GLOBAL_LOCATION, name: 'Global', geography: null, kind: 'global' },
];
