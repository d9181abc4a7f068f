/**
 * A problem that prevents the gateway from starting (bad configuration, unreachable or
 * unusable database, port taken). main.ts prints its message as one line and exits
 * non-zero, without a stack trace.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}
