import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, maskUrl } from '../../src/config/config.js';

describe('configuration', () => {
  it('defaults to the embedded database in .data and port 4000', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config.database).toEqual({ kind: 'embedded', dataDir: '/srv/app/.data' });
    expect(config.port).toBe(4000);
    expect(config.introspection).toBe(true);
    expect(config.landingPage).toBe(true);
  });

  it('uses DATABASE_URL when set, and turns introspection and the landing page off in production', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://u:p@db:5432/audit', NODE_ENV: 'production', PORT: '8080' });
    expect(config.database).toEqual({ kind: 'server', url: 'postgresql://u:p@db:5432/audit' });
    expect(config.introspection).toBe(false);
    expect(config.landingPage).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).introspection).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a port number (0-65535) (got "abc")'],
    [{ PORT: '4000.5' }, 'PORT must be a whole port number (0-65535) (got "4000.5")'],
    [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL must be a PostgreSQL URL such as postgresql://user:password@host:5432/database (got "mysql://x/y")'],
    [{ DATABASE_URL: 'postgresql://u:secret@/db' }, 'DATABASE_URL must be a PostgreSQL URL such as postgresql://user:password@host:5432/database (got "postgresql://u:****@/db")'],
    [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE must be a positive whole number of connections (got "0")'],
    [{ GRAPHQL_INTROSPECTION: 'maybe' }, 'GRAPHQL_INTROSPECTION must be true or false (got "maybe")'],
    [{ SHUTDOWN_GRACE_MS: '20000' }, 'SHUTDOWN_GRACE_MS must be at most 9000 so that shutdown ends within 10 s (got "20000")'],
    [{ WORKERS: '2' }, 'WORKERS 2 needs DATABASE_URL: the embedded database serves one process (got WORKERS=2 without DATABASE_URL)'],
    [{ GRAPHQL_EXECUTOR: 'fast' }, 'GRAPHQL_EXECUTOR must be jit or graphql-js (got "fast")'],
  ])('refuses %o with one readable line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).database.kind).toBe('embedded');
  });

  it('masks passwords in URLs', () => {
    expect(maskUrl('postgresql://audit:topsecret@db:5432/x')).toBe('postgresql://audit:****@db:5432/x');
    expect(maskUrl('postgresql://db:5432/x')).toBe('postgresql://db:5432/x');
  });
});
