// The prepared path: a request for an operation Apollo has accepted before (the same source
// text and operation name, which Apollo parsed, validated and handed to our executor) runs
// on its compiled plan without going through Apollo's request pipeline again. Each request
// still gets its own checks (admission.ts: access, cost, budgets). Only a plain success is answered here: a refused request goes to Apollo, which
// refuses it the same way, and a result with errors is handed to Apollo to answer, so
// refusals and error formatting live in one place. Clients' usual requests (POST, JSON,
// one operation) take this path from their second request on.
import type http from 'node:http';
import type { Admission } from './admission.js';
import type { RequestContext } from './context.js';
import type { CompiledExecution, PreparedOperation } from './executor.js';

export interface PreparedRequest {
  operation: PreparedOperation;
  variables: Record<string, unknown>;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Answers Apollo would give as application/json (it negotiates others itself). */
const JSON_ACCEPT = /^\s*(\*\/\*|application\/json)\s*(;[^,]*)?$/i;

export function createPreparedPath(options: { execution: CompiledExecution; admission: Admission }) {
  const { execution, admission } = options;

  return {
    /** The prepared operation a request asks for, or null when Apollo should take it. */
    match(req: http.IncomingMessage, body: unknown): PreparedRequest | null {
      if (req.method !== 'POST' || !isPlainObject(body)) return null;
      const accept = req.headers.accept;
      if (accept !== undefined && !JSON_ACCEPT.test(accept)) return null;
      const { query, variables, operationName, extensions } = body;
      if (typeof query !== 'string' || extensions !== undefined) return null;
      if (variables !== undefined && variables !== null && !isPlainObject(variables)) return null;
      if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
      const operation = execution.prepared(query, operationName ?? undefined);
      return operation ? { operation, variables: variables ?? {} } : null;
    },

    /**
     * Checks and runs a matched request: the response body of a plain success, or null when
     * Apollo must answer (refused before running; or run, with errors left in `context`).
     */
    async run({ operation, variables }: PreparedRequest, context: RequestContext): Promise<string | null> {
      try {
        await admission.admitOnce(context, { principal: context.principal, document: operation.document, operation: operation.operation, variables, operationName: operation.operationName });
      } catch {
        return null;
      }
      const result = await operation.run(context, variables);
      if (result.errors?.length || result.data === undefined || result.data === null) {
        execution.answerWith(context, result);
        return null;
      }
      // Apollo's encoding of a result without errors.
      return `{"data":${JSON.stringify(result.data)}}\n`;
    },
  };
}

export type PreparedPath = ReturnType<typeof createPreparedPath>;
