// No Docker engine runs here, so the compose file is checked for the facts that matter.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/paths.js';

const compose = parse(readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8'));

describe('docker-compose.yml', () => {
  it('runs the official PostgreSQL image, major version pinned, with a healthcheck and a named volume', () => {
    const pg = compose.services.postgres;
    expect(pg.image).toMatch(/^postgres:\d+(\.\d+)?(-[a-z0-9]+)?$/);
    expect(pg.healthcheck.test.join(' ')).toContain('pg_isready');
    const [volume, mount] = String(pg.volumes[0]).split(':');
    expect(mount).toBe('/var/lib/postgresql/data');
    expect(Object.keys(compose.volumes)).toContain(volume);
  });

  it('builds the gateway from the Dockerfile, after postgres is healthy, on port 4000', () => {
    const gw = compose.services.gateway;
    const dockerfile = path.join(projectRoot, gw.build.context, gw.build.dockerfile ?? 'Dockerfile');
    expect(existsSync(dockerfile)).toBe(true);
    expect(gw.depends_on.postgres.condition).toBe('service_healthy');
    expect(gw.ports).toContain('4000:4000');
    const url = new URL(gw.environment.DATABASE_URL);
    expect(url.hostname).toBe('postgres');
    const pgEnv = compose.services.postgres.environment;
    expect(decodeURIComponent(url.username)).toBe(pgEnv.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(pgEnv.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${pgEnv.POSTGRES_DB}`);
  });

  it('starts the gateway the way npm start does, which migrates at start', () => {
    const dockerfile = readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
    const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
    const cmd = JSON.parse(dockerfile.match(/^CMD (.*)$/m)![1]!) as string[];
    // npm start execs node (so that npm's signals reach it); the image runs node itself.
    expect(cmd.join(' ')).toBe(pkg.scripts.start.replace(/^exec /, ''));
    expect(dockerfile).toMatch(/EXPOSE 4000/);
  });
});
