// Shared entry for the command-line tools: one line on failure, exit code 1, no stack trace
// unless DEBUG is set.
import { ConfigError } from '../config/config.js';
import { StartupError } from '../errors/startup-error.js';

export function runCli(main: (args: string[]) => Promise<void>): void {
  main(process.argv.slice(2)).then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      const known = error instanceof ConfigError || error instanceof StartupError;
      console.error(`error: ${known ? message : message.split('\n')[0]}`);
      if (process.env.DEBUG && error instanceof Error) console.error(error.stack);
      process.exit(1);
    },
  );
}
