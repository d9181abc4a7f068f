// JSON logs (pino): the gateway's on stdout, each request with a child logger carrying its
// request id; a command-line tool's on stderr.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

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

/** A command-line tool's logger: on stderr (stdout carries the tool's output), written at once. */
export function createToolLogger(level: string): Logger {
  return createLogger(level, pino.destination({ fd: 2, sync: true }));
}

/** A logger writing lines people read (a terminal): time, level, message and the fields, not JSON. */
export function createPrettyLogger(level: string): Logger {
  return createLogger(level, pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', sync: true }));
}
