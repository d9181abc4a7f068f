// The embedded PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly) with its data in a
// local folder, served on a loopback port by pglite-socket so that `pg`, Prisma's adapter
// and the schema engine reach it exactly as they reach a server.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { StartupError } from '../errors/startup-error.js';

export interface EmbeddedPostgres {
  host: string;
  port: number;
  /** The PostgreSQL data folder inside the gateway's data folder. */
  dataPath: string;
  stop(): Promise<void>;
}

const LOCK_FILE = 'gateway.lock';

/**
 * Opens (or creates) the embedded database in `<dataDir>/pg`. Refuses, without touching
 * anything, a folder another live process holds or one that is not a PostgreSQL folder.
 */
export async function startEmbeddedPostgres(dataDir: string, maxConnections = 4, listenPort = 0): Promise<EmbeddedPostgres> {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new StartupError(`DATA_DIR ${dataDir} cannot be created (${(error as NodeJS.ErrnoException).code}); set DATA_DIR to a writable folder`);
  }
  const releaseLock = acquireLock(dataDir);
  const dataPath = path.join(dataDir, 'pg');
  try {
    checkDataFolder(dataPath);
    let db: PGlite;
    try {
      db = await PGlite.create(dataPath);
      await db.query('SELECT 1');
    } catch (error) {
      throw new StartupError(
        `the embedded database in ${dataPath} cannot be opened (${describe(error)}); it may be damaged: ` +
          'move the folder away to start with a fresh database, or set DATA_DIR to another folder (nothing was changed)',
      );
    }
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: listenPort, maxConnections });
    await server.start();
    const [host, port] = server.getServerConn().split(':');
    return {
      host: host!,
      port: Number(port),
      dataPath,
      async stop() {
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/** A PID lock file: PGlite itself does not stop two processes from opening one folder. */
function acquireLock(dataDir: string): () => void {
  const lockPath = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StartupError(`DATA_DIR ${dataDir} is not writable (${(error as NodeJS.ErrnoException).code}); set DATA_DIR to a writable folder`);
      }
      const holder = Number.parseInt(readFileSync(lockPath, 'utf8').trim(), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new StartupError(
          `the embedded database in ${dataDir} is in use by another gateway process (pid ${holder}); ` +
            'stop it first or set DATA_DIR to another folder',
        );
      }
      // The holder is gone (a crash or SIGKILL): the lock is stale.
      unlinkSync(lockPath);
    }
  }
  throw new StartupError(`cannot lock ${path.join(dataDir, LOCK_FILE)}; remove it if no gateway is running`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function checkDataFolder(dataPath: string): void {
  if (!existsSync(dataPath)) return;
  const entries = readdirSync(dataPath);
  if (entries.length > 0 && !entries.includes('PG_VERSION')) {
    throw new StartupError(
      `${dataPath} is not an embedded database folder (no PG_VERSION file); move it away or set DATA_DIR to another folder (nothing was changed)`,
    );
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // PGlite aborts its WebAssembly runtime on unreadable files; say that, not "Aborted()".
  if (message.startsWith('Aborted(')) return 'its files are unreadable';
  return message.split('\n')[0]!.slice(0, 160);
}
