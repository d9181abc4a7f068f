// Who may run which operation. Every root field of the schema has a rule here; a field
// without one is refused (and the gateway does not start: see checkAccessRules), so a new
// operation cannot be added without deciding who may use it. Account isolation is not a
// rule here: every manager call is scoped to the principal's account.
import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { ErrorCode } from '../errors/codes.js';
import { GatewayError } from '../errors/errors.js';
import { hasRole, type Principal, type Role } from './principal.js';

export interface AccessRule {
  role: Role;
  /** Changes the shared catalog: only admins of the operator account. */
  operatorOnly?: boolean;
}

const reader: AccessRule = { role: 'reader' };
const writer: AccessRule = { role: 'writer' };
const admin: AccessRule = { role: 'admin' };
const catalogAdmin: AccessRule = { role: 'admin', operatorOnly: true };

export const ACCESS_RULES: Record<'query' | 'mutation' | 'subscription', Record<string, AccessRule>> = {
  query: {
    viewer: reader,
    locations: reader,
    services: reader,
    service: reader,
    actions: reader,
    action: reader,
    events: reader,
    event: reader,
    eventStats: reader,
    targets: reader,
    target: reader,
    routes: reader,
    route: reader,
    routingSettings: reader,
    deliveries: reader,
    explainRouting: reader,
    routingCoverage: reader,
    routingDrops: reader,
    keys: admin,
    eventChain: reader,
    verifyEvents: reader,
    chainVerification: reader,
    chainVerifications: reader,
  },
  mutation: {
    recordEvent: writer,
    recordEvents: writer,
    createService: catalogAdmin,
    updateService: catalogAdmin,
    deleteService: catalogAdmin,
    setServiceLocations: catalogAdmin,
    defineActions: catalogAdmin,
    updateAction: catalogAdmin,
    deprecateAction: catalogAdmin,
    deleteAction: catalogAdmin,
    importCatalog: catalogAdmin,
    createTarget: admin,
    updateTarget: admin,
    deleteTarget: admin,
    createRoute: admin,
    updateRoute: admin,
    deleteRoute: admin,
    updateRoutingSettings: admin,
    redeliver: admin,
    replayToTarget: admin,
    createKey: admin,
    revokeKey: admin,
    checkpointEventChain: admin,
    // Read-only, and an auditor's (reader's) job; one runs at a time per account.
    startChainVerification: reader,
  },
  subscription: {
    eventRecorded: reader,
  },
};

/** Throws at start when a root field of the schema has no rule. */
export function checkAccessRules(schema: GraphQLSchema): void {
  const missing: string[] = [];
  for (const [kind, type] of [['query', schema.getQueryType()], ['mutation', schema.getMutationType()], ['subscription', schema.getSubscriptionType()]] as const) {
    for (const name of Object.keys(type?.getFields() ?? {})) if (!ACCESS_RULES[kind][name]) missing.push(`${kind} ${name}`);
  }
  if (missing.length) throw new Error(`no access rule for ${missing.join(', ')} (add them to src/auth/access.ts)`);
}

/** The root fields an operation selects, through fragments. */
export function rootFields(operation: OperationDefinitionNode, document: DocumentNode): string[] {
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const names = new Set<string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return [...names];
}

const INTROSPECTION = new Set(['__schema', '__type', '__typename']);

export function unauthenticated(message: string): GatewayError {
  return new GatewayError(ErrorCode.UNAUTHENTICATED, message, { http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) } });
}

/** Refuses the operation unless the principal may run every root field it selects. */
export function authorize(principal: Principal, kind: OperationDefinitionNode['operation'], fields: string[]): void {
  const real = fields.filter((f) => !INTROSPECTION.has(f));
  if (real.length === 0) return; // introspection (when enabled) and __typename need no key
  if (principal.role === null) throw unauthenticated('this operation needs an API key: send the header "Authorization: Bearer <key>"');
  for (const field of real) {
    const rule = ACCESS_RULES[kind][field];
    if (!rule) throw new GatewayError(ErrorCode.FORBIDDEN, `${kind} ${field} has no access rule`, { field, http: { status: 403 } });
    if (!hasRole(principal, rule.role)) {
      throw new GatewayError(ErrorCode.FORBIDDEN, `${field} needs the ${rule.role} role; this key has the ${principal.role} role`, { field, requiredRole: rule.role, http: { status: 403 } });
    }
    if (rule.operatorOnly && !principal.operator) {
      throw new GatewayError(ErrorCode.FORBIDDEN, `${field} changes the shared catalog, which only admins of the operator account may do`, { field, http: { status: 403 } });
    }
  }
}
