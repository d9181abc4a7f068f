// JSON logs on stdout (pino). Each request gets a child logger carrying its request id.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'audit-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Credentials never reach the log, whatever a caller passes.
      redact: ['req.headers.authorization', 'headers.authorization', '*.secret', '*.password'],
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
