// Letting an operation in: one place for every way operations arrive (Apollo's pipeline,
// the prepared path, subscriptions over WebSocket). In order: the key's access to every
// root field it selects (auth/access.ts), its cost against the limit (server/limits.ts), then
// its budgets: each root field beyond the first counts as one more operation against the
// key's rate (a document of thirty aliases is thirty operations), and its cost is spent
// from the key's and the account's cost budgets. A refusal is a coded GatewayError.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { authorize, rootFields } from '../auth/access.js';
import type { Authenticator, Refusal } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { ErrorCode } from '../errors/codes.js';
import { GatewayError } from '../errors/errors.js';
import { checkCost } from './limits.js';

export interface OperationRequest {
  principal: Principal;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
  operationName: string | null | undefined;
}

const INTROSPECTION = new Set(['__schema', '__type', '__typename']);

/** How many root fields an operation selects, aliases each counted, through fragments (introspection not). */
export function rootSelections(operation: OperationDefinitionNode, document: DocumentNode): number {
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const seen = new Set<string>();
  const count = (set: SelectionSetNode): number => {
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += INTROSPECTION.has(s.name.value) ? 0 : 1;
      else if (s.kind === Kind.INLINE_FRAGMENT) n += count(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) n += count(fragment.selectionSet);
      }
    }
    return n;
  };
  return count(operation.selectionSet);
}

/**
 * Where the prepared path leaves its decision on a request's context when it hands the
 * request to Apollo: Apollo's plugin then does not admit (and spend) the same request twice.
 * A symbol property, copied with the context (Apollo runs each operation on a copy).
 */
const DECIDED = Symbol('admission decided');
type Decided = { [DECIDED]?: true | GatewayError };

function refusalError(refusal: Refusal): GatewayError {
  return new GatewayError(refusal.code, refusal.message, { ...refusal.extensions, http: { status: refusal.status, headers: new Map(Object.entries(refusal.headers ?? {})) } });
}

export function createAdmission(options: { schema: GraphQLSchema; maxCost: number; budget: Pick<Authenticator, 'spend' | 'spendCost'> }) {
  const { schema, maxCost, budget } = options;

  /** Resolves when the operation may run; throws its refusal. */
  async function admit(request: OperationRequest): Promise<void> {
    const { principal, document, operation, variables, operationName } = request;
    authorize(principal, operation.operation, rootFields(operation, document));
    const cost = checkCost({ schema, document, variables, operationName }, maxCost);
    const more = rootSelections(operation, document) - 1;
    const refusal = (more > 0 ? await budget.spend(principal, more) : null) ?? (await budget.spendCost(principal, cost));
    if (refusal) throw refusalError(refusal);
  }

  return {
    admit,

    /** admit, remembering the decision on `context` for Apollo's plugin (the prepared path's way in). */
    async admitOnce(context: object, request: OperationRequest): Promise<void> {
      try {
        await admit(request);
        (context as Decided)[DECIDED] = true;
      } catch (error) {
        if (error instanceof GatewayError) (context as Decided)[DECIDED] = error;
        throw error;
      }
    },

    /** Apollo's side: every operation it resolves is admitted before it runs (subscriptions belong to the WebSocket). */
    plugin<C extends BaseContext & { principal: Principal }>(): ApolloServerPlugin<C> {
      return {
        async requestDidStart() {
          return {
            async didResolveOperation({ operation, document, contextValue, request, operationName }) {
              if (!operation) return; // Apollo has refused the request already
              if (operation.operation === 'subscription') {
                throw new GatewayError(ErrorCode.BAD_REQUEST, 'subscriptions are served over WebSocket (the graphql-ws protocol) on this same path, not over HTTP', { http: { status: 400 } });
              }
              const decided = (contextValue as Decided)[DECIDED];
              if (decided === true) return;
              if (decided) throw decided;
              await admit({ principal: contextValue.principal, document, operation, variables: request.variables ?? {}, operationName });
            },
          };
        },
      };
    },
  };
}

export type Admission = ReturnType<typeof createAdmission>;
