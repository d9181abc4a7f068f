// npm run keys:create -- --role admin|writer|reader --account <id> [--name <text>]
// Prints the new key on stdout, once: only a hash of it is stored.
import { ROLES, toolPrincipal, type Role } from '../auth/principal.js';
import { runTool, UsageError } from './run-cli.js';

runTool({
  usage: `usage: npm run keys:create -- --role admin|writer|reader --account <account id> [--name <text>]

Makes an API key in the database the configuration names (DATABASE_URL, else the embedded
database in DATA_DIR; stop a gateway running on the embedded one first) and prints it on
stdout, once: only a hash of it is stored. It migrates the database first, so it can run
before the first start.
  --role <role>     admin, writer or reader
  --account <id>    the account the key acts for (OPERATOR_ACCOUNT's admins also change the catalog)
  --name <text>     what the key is for (shown in keys and the audit trail)
  -h, --help        this text`,
  options: { role: { type: 'string' }, account: { type: 'string' }, name: { type: 'string' } },
  async run(values) {
    if (!values.role || !values.account) throw new UsageError('give --role and --account');
    if (!ROLES.includes(values.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, not "${values.role}"`);
    const [{ withToolDatabase }, { gatewayServiceDocument }] = await Promise.all([import('./tool-database.js'), import('../audit/gateway-service.js')]);
    await withToolDatabase(async ({ config, managers }) => {
      await managers.catalog.ensureReferenceData();
      await managers.catalog.ensureBuiltIn(gatewayServiceDocument());
      const actor = toolPrincipal('keys:create', config.operatorAccount);
      const role = values.role as Role;
      const { record, key } = await managers.keys.createKey(actor, { accountId: values.account, role, name: values.name ?? `${role} key (keys:create)` }).catch((error: Error & { extensions?: { field?: string } }) => {
        throw new Error(error.extensions?.field ? `${error.message.replace(/^input\./, '--')}` : error.message);
      });
      console.error(`created ${record.role} key ${record.id} for account ${record.accountId}${record.accountId === config.operatorAccount ? ' (the operator account)' : ''}; it is shown once:`);
      console.log(key);
    });
  },
});
