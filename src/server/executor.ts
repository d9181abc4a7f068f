// Query execution compiled with graphql-jit, plugged into Apollo Server through its
// documented executor hook (the "gateway" interface). Apollo still parses, validates,
// caches documents, runs plugins and formats errors; only execution changes. graphql-js
// spends most of a request on per-field bookkeeping and on coercing large variables (a
// batch of 500 events): a compiled plan per document does both several times faster.
// Documents graphql-jit cannot compile run on graphql-js, as without this module.
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, getVariableValues, GraphQLError, printSchema, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { ErrorCode } from '../errors/codes.js';
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
 * Answers TIMEOUT when execution runs past the limit. The resolvers still running finish
 * in the background, bounded by the database's statement timeout.
 */
function withTimeout(result: Promise<ExecutionResult>, ms: number | undefined): Promise<ExecutionResult> {
  if (!ms) return result;
  let timer: NodeJS.Timeout;
  const timeout = new Promise<ExecutionResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ errors: [new GatewayError(ErrorCode.TIMEOUT, `the operation did not finish within ${ms} ms and was abandoned; narrow it (smaller pages, a shorter time range)`)] }),
      ms,
    );
  });
  return Promise.race([result.finally(() => clearTimeout(timer)), timeout]);
}

export function compiledExecution(schema: GraphQLSchema, options: CompiledExecutionOptions = {}): GatewayInterface {
  const cacheSize = options.cacheSize ?? 1000;
  // A Map iterates in insertion order: re-inserting on use makes it an LRU.
  const plans = new Map<string, CompiledQuery | null>();

  function planFor(key: string, compile: () => CompiledQuery | null): CompiledQuery | null {
    let plan = plans.get(key);
    if (plan !== undefined) {
      plans.delete(key);
      plans.set(key, plan);
      return plan;
    }
    plan = compile();
    plans.set(key, plan);
    if (plans.size > cacheSize) plans.delete(plans.keys().next().value!);
    return plan;
  }

  const executor: GatewayExecutor = (rc) => withTimeout(run(rc), options.timeoutMs);

  async function run(rc: Parameters<GatewayExecutor>[0]): Promise<ExecutionResult> {
    const variables = rc.request.variables ?? {};
    // The name the client sent: Apollo leaves rc.operationName null when it names no operation.
    const operationName = rc.request.operationName ?? undefined;
    const reference = () => execute({ schema, document: rc.document, contextValue: rc.context, variableValues: variables, operationName }) as Promise<ExecutionResult>;
    // No such operation: graphql-js says so (Apollo expects the executor to report it).
    if (!rc.operation) return reference();
    const plan = options.compile === false ? null : planFor(`${rc.queryHash}:${operationName ?? ''}`, () => {
      const compiled = compileQuery(schema, rc.document, operationName);
      return isCompiledQuery(compiled) ? compiled : null;
    });
    if (!plan) return reference();
    const result = await plan.query(undefined, rc.context, variables);
    if (result.errors?.length && (result.data === undefined || result.data === null) && !result.errors[0]?.path) {
      // The variables did not coerce, by graphql-jit's reading. graphql-js names the exact
      // field and reason (Apollo turns its errors into BAD_USER_INPUT with status 400).
      const coerced = getVariableValues(schema, rc.operation.variableDefinitions ?? [], variables);
      if (coerced.errors) return { errors: coerced.errors };
      // graphql-jit refused variables graphql-js accepts (it ignores the default of a
      // non-null input field): this document runs on graphql-js from now on.
      plans.set(`${rc.queryHash}:${operationName ?? ''}`, null);
      return reference();
    }
    if (result.errors?.length) {
      // graphql-jit's errors may lack `extensions`; Apollo and our formatter expect
      // graphql-js errors, which carry the original error's extensions (codes).
      return {
        ...result,
        errors: result.errors.map((e) =>
          new GraphQLError(e.message, {
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
    return result as ExecutionResult;
  }

  return {
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
  };
}
