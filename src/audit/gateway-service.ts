// The gateway audits itself: every change to the catalog, routing, settings or API keys is
// recorded as an event of this catalog service. It is built in (ensured at every start) and
// cannot be changed through the catalog API, so the trail always has its actions.
import type { ParsedDocument } from '../catalog/importer/parse-document.js';
import { Severity } from '../events/event.enums.js';

export const GATEWAY_SERVICE_PREFIX = 'audit-gateway';
export const GATEWAY_SERVICE_NAME = 'Audit query gateway';
export const GATEWAY_SOURCE = 'built-in: audit-gateway';

interface GatewayActionSpec {
  description: string;
  group: string;
  /** Routine changes are normal, changes of existing settings warning, removals and credentials critical. */
  severity: Severity;
}

const CATALOG = 'Catalog changes';
const ROUTING = 'Routing changes';
const ACCESS = 'Access changes';

export const GATEWAY_ACTIONS = {
  'service.create': { description: 'Create a catalog service', group: CATALOG, severity: Severity.NORMAL },
  'service.update': { description: 'Update a catalog service', group: CATALOG, severity: Severity.WARNING },
  'service.delete': { description: 'Delete a catalog service', group: CATALOG, severity: Severity.CRITICAL },
  'service-locations.update': { description: 'Set the locations where a service generates events', group: CATALOG, severity: Severity.WARNING },
  'action.create': { description: 'Define catalog actions', group: CATALOG, severity: Severity.NORMAL },
  'action.update': { description: 'Update a catalog action', group: CATALOG, severity: Severity.WARNING },
  'action.deprecate': { description: 'Deprecate or reinstate a catalog action', group: CATALOG, severity: Severity.WARNING },
  'action.delete': { description: 'Delete a catalog action', group: CATALOG, severity: Severity.CRITICAL },
  'catalog.import': { description: 'Import a documentation page into the catalog', group: CATALOG, severity: Severity.WARNING },
  'target.create': { description: 'Create a routing target', group: ROUTING, severity: Severity.NORMAL },
  'target.update': { description: 'Update a routing target', group: ROUTING, severity: Severity.WARNING },
  'target.delete': { description: 'Delete a routing target', group: ROUTING, severity: Severity.CRITICAL },
  'route.create': { description: 'Create a route', group: ROUTING, severity: Severity.NORMAL },
  'route.update': { description: 'Replace the rules of a route', group: ROUTING, severity: Severity.WARNING },
  'route.delete': { description: 'Delete a route', group: ROUTING, severity: Severity.CRITICAL },
  'settings.update': { description: 'Update the routing settings', group: ROUTING, severity: Severity.WARNING },
  'delivery.redeliver': { description: 'Send deliveries again', group: ROUTING, severity: Severity.NORMAL },
  'delivery.replay': { description: 'Replay past events to a target', group: ROUTING, severity: Severity.WARNING },
  'key.create': { description: 'Create an API key', group: ACCESS, severity: Severity.CRITICAL },
  'key.revoke': { description: 'Revoke an API key', group: ACCESS, severity: Severity.CRITICAL },
} satisfies Record<string, GatewayActionSpec>;

export type GatewayAction = keyof typeof GATEWAY_ACTIONS;

/** The service and its actions, in the importer's form (importing it again changes nothing). */
export function gatewayServiceDocument(): ParsedDocument {
  return {
    source: GATEWAY_SOURCE,
    title: GATEWAY_SERVICE_NAME,
    services: [{ prefix: GATEWAY_SERVICE_PREFIX, displayName: GATEWAY_SERVICE_NAME, locations: [] }],
    actions: Object.entries(GATEWAY_ACTIONS).map(([name, spec], i) => ({
      name: `${GATEWAY_SERVICE_PREFIX}.${name}`,
      service: GATEWAY_SERVICE_PREFIX,
      description: spec.description,
      group: spec.group,
      httpMethod: null,
      httpPath: null,
      templateVariable: null,
      templateValues: [],
      deprecated: false,
      line: i + 1,
    })),
    skipped: [],
  };
}
