// Prisma CLI configuration. The gateway itself never reads this file: it connects through
// src/database and migrates with src/database/migrator.ts (Prisma's schema engine as
// WebAssembly), so it also works where the CLI cannot download its native engine.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/audit_gateway' },
});
