// Query execution compiled with graphql-jit, plugged into Apollo Server through its
// documented executor hook (the "gateway" interface). Apollo still parses, validates,
// caches documents, runs plugins and formats errors; only execution changes. graphql-js
// spends most of a request on per-field bookkeeping and on coercing large variables (a
// batch of 500 events): a compiled plan per document does both several times faster.
// Documents graphql-jit cannot compile run on graphql-js, as without this module.
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, getVariableValues, GraphQLError, printSchema, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { rootFields } from '../auth/access.js';
import { ErrorCode } from '../errors/codes.js';
import { runInWorkScope } from '../database/work-scope.js';
import { GatewayError } from '../errors/errors.js';

export interface CompiledExecutionOptions {
  /** How many compiled documents to keep (least recently used are dropped). */
  cacheSize?: number;
  /** false: every document runs on graphql-js (GRAPHQL_EXECUTOR=graphql-js). */
  compile?: boolean;
  /** Operations still running after this long are answered with TIMEOUT. */
  timeoutMs?: number;
}

/**
 * Runs an operation as its account's database work (database/work-scope.ts) and answers
 * TIMEOUT when it runs past the limit; then its statements are cancelled and the ones it
 * has not started never run.
 */
function runScoped(context: unknown, ms: number | undefined, run: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
  const controller = new AbortController();
  const accountId = (context as { principal?: { accountId?: string } } | null)?.principal?.accountId ?? '';
  const result = runInWorkScope(accountId, controller.signal, run);
  if (!ms) return result;
  let timer: NodeJS.Timeout;
  const timeout = new Promise<ExecutionResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ errors: [new GatewayError(ErrorCode.TIMEOUT, `the operation did not finish within ${ms} ms and was abandoned; narrow it (smaller pages, a shorter time range)`)] });
    }, ms);
  });
  return Promise.race([result.finally(() => clearTimeout(timer)), timeout]);
}

/** Sources longer than this are not kept for the prepared path (bounds the cache's memory). */
const MAX_PREPARED_SOURCE = 32 * 1024;

/** Where the prepared path leaves the result it hands to Apollo to answer. */
const PRECOMPUTED = Symbol('precomputed execution result');

/**
 * An operation Apollo has parsed, validated and accepted before (its executor ran it), with
 * its compiled plan. Each new request for it still needs its own checks: access and cost.
 */
export interface PreparedOperation {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | undefined;
  /** The root fields it selects (for the access check). */
  readonly rootFields: string[];
  /** Runs the plan; the raw result (see `answerWith` for anything but plain success). */
  run(context: object, variables: Record<string, unknown>): Promise<ExecutionResult>;
}

export interface CompiledExecution {
  /** Apollo's executor hook. */
  gateway: GatewayInterface;
  /** The operation of `source` named `operationName` if Apollo has accepted it before. */
  prepared(source: string, operationName: string | undefined): PreparedOperation | undefined;
  /** Has Apollo answer a request with `result` (already executed) instead of executing again. */
  answerWith(context: object, result: ExecutionResult): void;
}

interface Plan {
  compiled: CompiledQuery | null;
  prepared?: PreparedOperation;
}

export function compiledExecution(schema: GraphQLSchema, options: CompiledExecutionOptions = {}): CompiledExecution {
  const cacheSize = options.cacheSize ?? 1000;
  // A Map iterates in insertion order: re-inserting on use makes it an LRU.
  const plans = new Map<string, Plan>();
  const sourceKey = (source: string, operationName: string | undefined) => `${operationName ?? ''}:s${source}`;

  function touch(key: string): Plan | undefined {
    const plan = plans.get(key);
    if (plan) {
      plans.delete(key);
      plans.set(key, plan);
    }
    return plan;
  }

  const runCompiled = (compiled: CompiledQuery, context: unknown, variables: Record<string, unknown>) =>
    runScoped(context, options.timeoutMs, async () => compiled.query(undefined, context, variables) as ExecutionResult | Promise<ExecutionResult>);

  function planFor(rc: Parameters<GatewayExecutor>[0], operationName: string | undefined): Plan {
    const bySource = rc.source.length <= MAX_PREPARED_SOURCE;
    const key = bySource ? sourceKey(rc.source, operationName) : `${operationName ?? ''}:h${rc.queryHash}`;
    const known = touch(key);
    if (known) return known;
    const compiled = options.compile === false ? null : compileQuery(schema, rc.document, operationName);
    const plan: Plan = { compiled: compiled && isCompiledQuery(compiled) ? compiled : null };
    if (plan.compiled && rc.operation && bySource) {
      const ready = plan.compiled;
      plan.prepared = {
        document: rc.document,
        operation: rc.operation,
        operationName,
        rootFields: rootFields(rc.operation, rc.document),
        run: (context, variables) => runCompiled(ready, context, variables),
      };
    }
    plans.set(key, plan);
    if (plans.size > cacheSize) plans.delete(plans.keys().next().value!);
    return plan;
  }

  const executor: GatewayExecutor = (rc) => {
    const precomputed = (rc.context as Record<symbol, ExecutionResult | undefined>)[PRECOMPUTED];
    if (precomputed) return Promise.resolve(finish(rc, precomputed));
    return run(rc);
  };

  const reference = (rc: Parameters<GatewayExecutor>[0]) =>
    execute({ schema, document: rc.document, contextValue: rc.context, variableValues: rc.request.variables ?? {}, operationName: rc.request.operationName ?? undefined }) as Promise<ExecutionResult>;

  async function run(rc: Parameters<GatewayExecutor>[0]): Promise<ExecutionResult> {
    // The name the client sent: Apollo leaves rc.operationName null when it names no operation.
    const operationName = rc.request.operationName ?? undefined;
    // No such operation: graphql-js says so (Apollo expects the executor to report it).
    if (!rc.operation) return reference(rc);
    const plan = planFor(rc, operationName);
    if (!plan.compiled) return runScoped(rc.context, options.timeoutMs, () => reference(rc));
    const result = await runCompiled(plan.compiled, rc.context, rc.request.variables ?? {});
    return finish(rc, result, plan);
  }

  /** graphql-jit's result as Apollo and our error formatter expect graphql-js's. */
  function finish(rc: Parameters<GatewayExecutor>[0], result: ExecutionResult, plan?: Plan): ExecutionResult | Promise<ExecutionResult> {
    if (!result.errors?.length) return result;
    if ((result.data === undefined || result.data === null) && !result.errors[0]?.path && rc.operation) {
      // The variables did not coerce, by graphql-jit's reading. graphql-js names the exact
      // field and reason (Apollo turns its errors into BAD_USER_INPUT with status 400).
      const coerced = getVariableValues(schema, rc.operation.variableDefinitions ?? [], rc.request.variables ?? {});
      if (coerced.errors) return { errors: coerced.errors };
      if (!(result.errors[0] instanceof GatewayError)) {
        // graphql-jit refused variables graphql-js accepts (it ignores the default of a
        // non-null input field): this document runs on graphql-js from now on.
        const known = plan ?? plans.get(sourceKey(rc.source, rc.request.operationName ?? undefined));
        if (known) {
          known.compiled = null;
          delete known.prepared;
        }
        return runScoped(rc.context, options.timeoutMs, () => reference(rc));
      }
    }
    // graphql-jit's errors may lack `extensions`; Apollo and our formatter expect
    // graphql-js errors, which carry the original error's extensions (codes).
    return {
      ...result,
      errors: result.errors.map((e) =>
        e instanceof GraphQLError && e.extensions
          ? e
          : new GraphQLError(e.message, {
              nodes: e.nodes,
              source: e.source,
              positions: e.positions,
              path: e.path,
              originalError: e.originalError ?? undefined,
              extensions: e.extensions ?? undefined,
            }),
      ),
    } as ExecutionResult;
  }

  return {
    gateway: {
      async load() {
        return { executor };
      },
      onSchemaLoadOrUpdate(callback) {
        callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
        return () => undefined;
      },
      async stop() {
        plans.clear();
      },
    },
    prepared(source, operationName) {
      if (source.length > MAX_PREPARED_SOURCE) return undefined;
      return touch(sourceKey(source, operationName))?.prepared;
    },
    answerWith(context, result) {
      (context as Record<symbol, ExecutionResult>)[PRECOMPUTED] = result;
    },
  };
}
