// A request's logger, made when first needed: most requests log nothing at the configured
// level, and a pino child (its bindings serialised up front) cost a request more than its
// compiled GraphQL plan. Always a child of the root logger: a logger made from a logger made
// for one request becomes a prototype of its own, which V8 sets up anew for every request.
import type { Principal } from '../auth/principal.js';
import type { Logger } from './logger.js';

/** What hands out a request's logger (a context reads `log` only when something logs). */
export interface LogSource {
  readonly log: Logger;
}

export class RequestLog implements LogSource {
  private logger: Logger | undefined = undefined;
  private bindings: Record<string, string>;

  constructor(
    private readonly root: Logger,
    readonly requestId: string,
  ) {
    this.bindings = { reqId: requestId };
  }

  get log(): Logger {
    return (this.logger ??= this.root.child(this.bindings));
  }

  /** Once the key is known, its id and account go on every later line. */
  identify(principal: Principal): void {
    if (!principal.keyId) return;
    this.bindings = { reqId: this.requestId, keyId: principal.keyId, account: principal.accountId };
    this.logger = undefined;
  }
}
