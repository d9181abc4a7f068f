// Limits on what one request may ask for, each refused with QUERY_TOO_COMPLEX before any
// resolver runs: selection depth and aliases (graphql-armor's rules), operations in one
// document, and a cost where list sizes multiply (graphql-query-complexity with our
// estimator: a connection costs its page size times its items, another list ten times).
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { getNamedType, getNullableType, isListType, Kind, visit, type DocumentNode, type GraphQLError, type GraphQLSchema, type ValidationContext, type ValidationRule } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '../errors/codes.js';
import { GatewayError } from '../errors/errors.js';
import { DEFAULT_PAGE_SIZE } from './relay.js';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxOperations: number;
  maxCost: number;
}

function tooComplex(message: string, extensions: Record<string, unknown> = {}): GatewayError {
  return new GatewayError(ErrorCode.QUERY_TOO_COMPLEX, message, extensions);
}

/** graphql-armor reports "Syntax Error: <limit> exceeded"; we report our code instead. */
function reportAs(limit: string) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    context?.reportError(tooComplex(error.message.replace(/^Syntax Error: /, ''), { limit }));
  };
}

function maxOperationsRule(max: number): ValidationRule {
  return (context) => ({
    Document(node) {
      const count = node.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length;
      if (count > max) context.reportError(tooComplex(`the document holds ${count} operations; at most ${max} are allowed`, { limit: 'operations' }));
    },
  });
}

export function limitRules(limits: QueryLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, propagateOnRejection: false, onReject: [reportAs('depth')] }),
    maxAliasesRule({ n: limits.maxAliases, propagateOnRejection: false, onReject: [reportAs('aliases')] }),
    maxOperationsRule(limits.maxOperations),
  ];
}

/** Unbounded lists (not connections) are assumed to hold this many items. */
const LIST_FACTOR = 10;

export const listCostEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const type = getNullableType(field.type);
  const named = getNamedType(type).name;
  if (named.endsWith('Connection')) {
    const size = Number(args.first ?? args.last ?? DEFAULT_PAGE_SIZE);
    return 1 + (Number.isFinite(size) && size > 0 ? size : DEFAULT_PAGE_SIZE) * Math.max(childComplexity, 1);
  }
  // The edges and nodes of a connection: their size is its page size, counted above.
  if (['edges', 'nodes'].includes(field.name)) return childComplexity;
  if (isListType(type)) return 1 + LIST_FACTOR * Math.max(childComplexity, 1);
  return 1 + childComplexity;
};

/**
 * The variables an operation's cost can depend on: those passed to `first`/`last` (page
 * sizes) and to directives (@skip/@include drop fields). Others, such as a filter, do not
 * change it, so the cost is computed once per document and page size.
 */
function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node, _key, _parent, _path, ancestors) {
      const owner = ancestors[ancestors.length - 1];
      const paging = node.name.value === 'first' || node.name.value === 'last';
      const directive = owner && !Array.isArray(owner) && (owner as { kind?: string }).kind === Kind.DIRECTIVE;
      if (!paging && !directive) return;
      visit(node.value, { Variable: (v) => void names.add(v.name.value) });
    },
  });
  return [...names];
}

/** Per document (Apollo keeps one DocumentNode per distinct source): costs by their inputs. */
const costCache = new WeakMap<DocumentNode, { inputs: string[]; costs: Map<string, number> }>();
const COSTS_PER_DOCUMENT = 64;

function costOf(request: { schema: GraphQLSchema; document: DocumentNode; variables: Record<string, unknown>; operationName: string | null | undefined }): number {
  let entry = costCache.get(request.document);
  if (!entry) costCache.set(request.document, (entry = { inputs: costVariables(request.document), costs: new Map() }));
  const key = `${request.operationName ?? ''}:${JSON.stringify(entry.inputs.map((n) => request.variables[n] ?? null))}`;
  let cost = entry.costs.get(key);
  if (cost === undefined) {
    cost = getComplexity({ schema: request.schema, query: request.document, variables: request.variables, operationName: request.operationName ?? undefined, estimators: [listCostEstimator] });
    if (entry.costs.size >= COSTS_PER_DOCUMENT) entry.costs.clear();
    entry.costs.set(key, cost);
  }
  return cost;
}

/** The operation's cost; throws QUERY_TOO_COMPLEX when it would cost more than `maxCost`. */
export function checkCost(
  request: { schema: GraphQLSchema; document: DocumentNode; variables: Record<string, unknown>; operationName: string | null | undefined },
  maxCost: number,
): number {
  let cost: number;
  try {
    cost = costOf(request);
  } catch {
    return 0; // variables that do not coerce: execution reports them
  }
  if (cost > maxCost) {
    throw tooComplex(`the query would cost ${cost}, more than the limit of ${maxCost} (page sizes multiply: ask for smaller pages or fewer nested lists)`, {
      limit: 'cost',
      cost,
      maxCost,
      http: { status: 400 },
    });
  }
  return cost;
}
