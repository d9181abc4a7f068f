// npm run keys:create -- --role admin|writer|reader --account <id> [--name <text>]
// Prints the new key on stdout, once: only a hash of it is stored.
import { parseArgs } from 'node:util';
import { gatewayServiceDocument } from '../audit/gateway-service.js';
import { toolPrincipal, ROLES, type Role } from '../auth/principal.js';
import { runCli } from './run-cli.js';
import { withToolDatabase } from './tool-database.js';

const USAGE = 'usage: npm run keys:create -- --role admin|writer|reader --account <account id> [--name <what the key is for>]';

runCli(async (args) => {
  const { values } = parseArgs({
    args,
    options: { role: { type: 'string' }, account: { type: 'string' }, name: { type: 'string' } },
  });
  if (!values.role || !values.account) throw new Error(USAGE);
  if (!ROLES.includes(values.role as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}; ${USAGE}`);

  await withToolDatabase(async ({ config, managers }) => {
    await managers.catalog.ensureReferenceData();
    await managers.catalog.ensureBuiltIn(gatewayServiceDocument());
    const actor = toolPrincipal('keys:create', config.operatorAccount);
    const { record, key } = await managers.keys.createKey(actor, {
      accountId: values.account,
      role: values.role as Role,
      name: values.name ?? `${values.role} key (keys:create)`,
    }).catch((error: Error & { extensions?: { field?: string } }) => {
      throw new Error(error.extensions?.field ? `${error.message.replace(/^input\./, '--')}` : error.message);
    });
    console.error(`created ${record.role} key ${record.id} for account ${record.accountId}${record.accountId === config.operatorAccount ? ' (the operator account)' : ''}; it is shown once:`);
    console.log(key);
  });
});
