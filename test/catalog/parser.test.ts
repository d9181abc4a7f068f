// The importer's reading of documentation pages: the five seeds exactly, and pages written
// differently by other teams.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedCatalogPath, seedSourcesDir, projectRoot } from '../../src/config/paths.js';
import { judgeToken } from '../../src/catalog/importer/candidates.js';
import { keyrefText } from '../../src/catalog/importer/keyrefs.js';
import { parseDocument, type ParsedDocument } from '../../src/catalog/importer/parse-document.js';
import { buildShippedCatalog, serialiseShippedCatalog } from '../../src/catalog/seed/shipped-catalog.js';

const fixtures = path.join(projectRoot, 'test', 'catalog', 'fixtures');
let seeds: ParsedDocument[];
const byFile = (prefix: string) => seeds.find((d) => d.source.startsWith(prefix))!;
const action = (doc: ParsedDocument, name: string) => {
  const found = doc.actions.find((a) => a.name === name);
  if (!found) throw new Error(`${name} not found in ${doc.source}`);
  return found;
};
const page = async (file: string) => parseDocument(await readFile(path.join(fixtures, file), 'utf8'), file);

beforeAll(async () => {
  seeds = await buildShippedCatalog(seedSourcesDir);
});

describe('the five seed pages', () => {
  it('yield exactly the hand-counted actions: 30, 126, 20, 38, 20; 214 distinct; 13 services', () => {
    expect(seeds.map((d) => d.actions.length)).toEqual([30, 126, 20, 38, 20]);
    expect(new Set(seeds.flatMap((d) => d.actions.map((a) => a.name))).size).toBe(214);
    expect(new Set(seeds.flatMap((d) => d.services.map((s) => s.prefix))).size).toBe(13);
    expect(seeds.flatMap((d) => d.skipped)).toEqual([]);
  });

  it('every action name appears on its page, and nothing that is not an action is taken', async () => {
    for (const doc of seeds) {
      const text = await readFile(path.join(seedSourcesDir, doc.source), 'utf8');
      const tokens = new Set(text.match(/[a-z0-9_<>-]+(?:\.[a-z0-9_<>-]+){2,4}/g)!.filter((t) => !t.startsWith('site.data')));
      expect(new Set(doc.actions.map((a) => a.name))).toEqual(tokens);
    }
  });

  it('000 (markdown, rows split over lines): descriptions, caption groups, us-east for InstructLab', () => {
    const doc = byFile('000');
    expect(action(doc, 'instructlab.instance.create')).toMatchObject({
      service: 'instructlab',
      description: 'An event is generated when you provision a service instance.',
      group: 'Actions that generate platform events',
    });
    expect(action(doc, 'cloud-object-storage.object.put')).toMatchObject({ service: 'cloud-object-storage', group: 'List of model alignment events' });
    expect(action(doc, 'instructlab.inference-session.update').group).toBe('Lists of inference events');
    expect(doc.services).toEqual([
      { prefix: 'cloud-object-storage', displayName: 'Cloud Object Storage', locations: [] },
      { prefix: 'instructlab', displayName: 'InstructLab', locations: ['us-east'] },
    ]);
  });

  it('001 (flattened text): many prefixes, two-part wdp.scheduling, templates with values, .failed variants', () => {
    const doc = byFile('001');
    expect(doc.services.map((s) => s.prefix)).toEqual([
      'aiopenscale', 'data-science-experience', 'data_science_experience', 'datacatalog', 'domodel', 'pm-20',
      'wdp-connect-connection', 'wdp-profiling', 'wdp.scheduling',
    ]);
    expect(action(doc, 'wdp.scheduling.schedule.delete.multiple')).toMatchObject({ service: 'wdp.scheduling', description: 'Delete multiple schedules.', group: 'Events for scheduling' });
    expect(action(doc, 'wdp-profiling.profile.create.failed')).toMatchObject({ service: 'wdp-profiling', description: 'Profile could not be created.', group: 'Events for profiling' });
    expect(action(doc, 'wdp-connect-connection.connection.get.list').service).toBe('wdp-connect-connection');
    expect(action(doc, 'domodel.solve.stop')).toMatchObject({ description: 'Cancel a solve', group: 'Events for Decision Optimization' });
    const template = action(doc, 'pm-20.<asset_type>.list');
    expect(template).toMatchObject({ service: 'pm-20', templateVariable: 'asset_type', description: 'List all of the specified asset type.', group: 'Events for watsonx.ai Runtime repository assets' });
    expect(template.templateValues).toEqual([
      'wml_model', 'wml_model_definition', 'wml_pipeline', 'wml_experiment', 'wml_function', 'wml_training_definition', 'wml_deployment_job_definition',
    ]);
    expect(doc.actions.filter((a) => a.templateVariable)).toHaveLength(6);
    expect(doc.actions.filter((a) => a.name.endsWith('.failed'))).toHaveLength(13);
    expect(doc.services.find((s) => s.prefix === 'domodel')!.displayName).toBe('Decision Optimization');
  });

  it('002 and 004 (the same events, text and markdown) give the same actions and groups', () => {
    const text = byFile('002');
    const markdown = byFile('004');
    const view = (d: ParsedDocument) => d.actions.map((a) => [a.name, a.description, a.group]);
    expect(view(text)).toEqual(view(markdown));
    expect(action(markdown, 'audit-log.vsi.power-on')).toMatchObject({
      service: 'audit-log',
      description: 'An event is generated when an initiator powers on an instance.',
      group: 'Virtual server instance events',
    });
  });

  it('003 (markdown pipe tables): HTTP method and path, combined headings, Yes/No region tables', () => {
    const doc = byFile('003');
    expect(action(doc, 'speech-to-text.custom-language-model-word.create')).toMatchObject({
      description: 'Create a word for a custom language model.',
      httpMethod: 'PUT',
      httpPath: '/v1/customizations/{customization_id}/words/{word_name}',
      group: 'Language model customization create events',
    });
    expect(action(doc, 'speech-to-text.custom-acoustic-model.upgrade')).toMatchObject({
      httpMethod: 'POST',
      httpPath: '/v1/acoustic_customizations/{customization_id}/upgrade_model',
      group: 'Acoustic model customization upgrade event',
    });
    expect(action(doc, 'speech-to-text.async-recognition-notification-url.delete')).toMatchObject({ httpMethod: 'POST', httpPath: '/v1/unregister_callback' });
    expect(action(doc, 'speech-to-text.gdpr-user-data.delete')).toMatchObject({ httpMethod: 'DELETE', httpPath: '/v1/user_data', group: 'GDPR event' });
    expect(doc.actions.every((a) => a.httpMethod && a.httpPath)).toBe(true);
    expect(doc.services).toEqual([{ prefix: 'speech-to-text', displayName: 'Speech to Text', locations: ['eu-de'] }]);
  });

  it('the shipped catalog equals a fresh import of the pages (npm run catalog:seed regenerates it)', async () => {
    expect(await readFile(seedCatalogPath, 'utf8')).toBe(serialiseShippedCatalog(seeds));
    expect((await readdir(seedSourcesDir)).sort()).toEqual(seeds.map((d) => d.source));
  });
});

describe('pages written by other teams', () => {
  it('markdown with IAM and old-name columns, several actions per cell, stray pipes, tags, method and path columns', async () => {
    const doc = await page('vpc-markdown.md');
    expect(doc.actions.map((a) => a.name)).toEqual([
      'is.instance.instance.create',
      'is.instance.instance.start',
      'is.instance.instance.stop',
      'is.instance.instance.delete',
      'is.instance.instance-network-interface.floating-ip.attach',
      'is.vpc.vpc.create',
      'is.vpc.vpc.update',
      'is.instance.instance.reboot',
    ]);
    expect(doc.services.map((s) => [s.prefix, s.locations])).toEqual([
      ['is.instance', ['eu-de', 'jp-tok', 'us-south']],
      ['is.vpc', ['eu-de', 'jp-tok', 'us-south']],
    ]);
    expect(action(doc, 'is.instance.instance.delete')).toMatchObject({ deprecated: true, description: 'An instance was deleted' });
    expect(action(doc, 'is.instance.instance.stop')).toMatchObject({ description: 'An instance was started or stopped', group: 'Instance events' });
    expect(action(doc, 'is.vpc.vpc.update')).toMatchObject({ httpMethod: 'PATCH', httpPath: '/v1/vpcs/{id}', group: 'VPC events' });
    expect(doc.skipped.map((s) => [s.section, s.reason])).toEqual([
      ['VPC events', '`initiator.host.address` is an event field path'],
      ['VPC events', '`config.values.yaml` is a file name'],
      ['Renamed events', '`is.instance.create` is the older name of is.instance.instance.reboot (Old action name)'],
    ]);
  });

  it('rendered text with one cell per line and several actions in one row', async () => {
    const doc = await page('kms-rendered.txt');
    expect(doc.actions.map((a) => [a.name, a.description, a.group])).toEqual([
      ['kms.secrets.create', 'Create a key', 'Key Protect events'],
      ['kms.secrets.delete', 'Delete a key', 'Key Protect events'],
      ['kms.secrets.wrap', 'Wrap a key', 'Key Protect events'],
      ['kms.secrets.unwrap', 'Unwrap a key', 'Key Protect events'],
      ['kms.policies.read', 'Read a policy', 'Events for policies'],
      ['kms.policies.write', 'Write or delete a policy', 'Events for policies'],
      ['kms.policies.delete', 'Write or delete a policy', 'Events for policies'],
    ]);
  });

  it('lists of actions, with or without backticks; a file name in a list is not an action', async () => {
    const doc = await page('lists.md');
    expect(doc.actions.map((a) => [a.name, a.description])).toEqual([
      ['event-notifications.topic.create', 'Create a topic'],
      ['event-notifications.topic.delete', 'Delete a topic'],
      ['event-notifications.subscription.create', 'Create a subscription'],
    ]);
  });

  it('a page without actions yields none', async () => {
    const doc = await page('no-actions.md');
    expect(doc.actions).toEqual([]);
    expect(doc.services).toEqual([]);
  });

  it('takes a two-part prefix when every name under it has four or more segments, else the first segment', () => {
    const text = '| Action | Description |\n|---|---|\n| `acme.jobs.job.run` | Run |\n| `acme.widget.create` | Create |\n| `beta.tools.tool.list` | List |\n| `beta.tools.purge` | Purge |\n';
    expect(parseDocument(text, 'x').actions.map((a) => [a.name, a.service])).toEqual([
      ['acme.jobs.job.run', 'acme.jobs'],
      ['acme.widget.create', 'acme'],
      ['beta.tools.tool.list', 'beta'],
      ['beta.tools.purge', 'beta'],
    ]);
    // A prefix the catalog already knows wins (longest match).
    expect(parseDocument(text, 'x', { knownPrefixes: ['acme'] }).actions[0]!.service).toBe('acme');
    expect(parseDocument(text, 'x', { knownPrefixes: ['beta', 'beta.tools'] }).actions[2]!.service).toBe('beta.tools');
  });
});

describe('look-alikes and keyrefs', () => {
  it.each([
    ['`site.data.keyword.cloud_notm`', 'a documentation keyref'],
    ['private.us-south.logging.cloud.ibm.com', 'a hostname'],
    ['api.example.com', 'a hostname'],
    ['initiator.host.address', 'an event field path'],
    ['target.resourceGroupId.x', 'an event field path'],
    ['backup.2024.tar.gz', 'a file name'],
    ['release.1.2.notes', 'a version number'],
    ['config.values.yaml', 'a file name'],
    ['10.0.0.1', 'an IP address or version number'],
    ['os.path.join', 'code'],
    ['Cloud.Object.Storage', 'not lowercase (action names are)'],
  ])('%s is not an action (%s)', (token, reason) => {
    expect(judgeToken(token)).toEqual({ kind: 'look-alike', token: token.replace(/`/g, ''), reason });
  });

  it.each(['iam-am.policy.create', 'is.instance.instance.create', 'pm-20.<asset_type>.list', 'a.b.c.d.e'])('%s is an action name', (token) => {
    expect(judgeToken(`\`${token}\`,`)).toEqual({ kind: 'name', name: token });
  });

  it('turns keyrefs into readable names, known or humanised', () => {
    expect(keyrefText('speechtotextshort')).toBe('Speech to Text');
    expect(keyrefText('instructlab_short')).toBe('InstructLab');
    expect(keyrefText('secure_gateway_full_notm')).toBe('Secure Gateway');
    const doc = parseDocument('# Events\n\n| Action | Description |\n|---|---|\n| `sg.tunnel.open` | Opens a {{site.data.keyword.secure_gateway_short}} tunnel |\n', 'x');
    expect(doc.actions[0]!.description).toBe('Opens a Secure Gateway tunnel');
  });
});

describe('the fixture corpus (test/catalog/fixtures: a page and its truth list each)', () => {
  interface Truth { shapes: string; actions: string[]; templates?: Record<string, string[]> }
  const corpus = async () => {
    const files = (await readdir(fixtures)).filter((f) => f.endsWith('.truth.json')).sort();
    return Promise.all(
      files.map(async (file) => {
        const base = file.replace(/\.truth\.json$/, '');
        const pageFile = (await readdir(fixtures)).find((f) => f !== file && f.startsWith(`${base}.`))!;
        return { pageFile, truth: JSON.parse(await readFile(path.join(fixtures, file), 'utf8')) as Truth, doc: await page(pageFile) };
      }),
    );
  };

  it('every page gives exactly the actions of its truth list; recall and precision over the corpus are 100%', async () => {
    let truePositives = 0;
    let found = 0;
    let expected = 0;
    const rows: string[] = [];
    for (const { pageFile, truth, doc } of await corpus()) {
      const names = doc.actions.map((a) => a.name);
      const hits = names.filter((n) => truth.actions.includes(n)).length;
      truePositives += hits;
      found += names.length;
      expected += truth.actions.length;
      rows.push(`${pageFile.padEnd(24)} ${String(truth.actions.length).padStart(4)} actions, ${hits} found, ${names.length - hits} wrong`);
      expect([...names].sort(), pageFile).toEqual([...truth.actions].sort());
      for (const [template, values] of Object.entries(truth.templates ?? {})) expect(action(doc, template).templateValues, template).toEqual(values);
    }
    console.log(`${rows.join('\n')}\ncorpus: ${expected} actions; recall ${((100 * truePositives) / expected).toFixed(1)}%, precision ${((100 * truePositives) / found).toFixed(1)}%`);
    expect(expected).toBeGreaterThan(300);
  });

  it('a page says per section what it skipped and why', async () => {
    const docs = await corpus();
    const skipped = (file: string) => docs.find((d) => d.pageFile === file)!.doc.skipped.map((s) => [s.line, s.section, s.reason]);
    expect(skipped('table-spellings.md')).toEqual([[70, 'Renamed events', '`messagehub.cluster.update` is the older name of messagehub.instance.update (Previous action name)']]);
    expect(skipped('prose-and-lists.md')).toEqual([]);
    expect(skipped('templates.md')).toEqual([
      [35, 'Tagging events', '`<tag_service>.tag.attach` has the variable <tag_service> as its service prefix and the page lists no values for it (a table headed by its name)'],
      [35, 'Tagging events', '`<tag_service>.tag.detach` has the variable <tag_service> as its service prefix and the page lists no values for it (a table headed by its name)'],
    ]);
  });

  it('templates: a variable prefix gives one action per listed service, named as its table says; keyrefs in names are variables', async () => {
    const doc = await page('templates.md');
    expect(action(doc, 'databases-for-redis.deployment-scaling.update')).toMatchObject({ service: 'databases-for-redis', templateVariable: null, group: 'Deployment events' });
    expect(doc.services.map((s) => [s.prefix, s.displayName])).toEqual([
      ['databases-for-mongodb', 'Databases for MongoDB'],
      ['databases-for-postgresql', 'IBM Cloud Databases for PostgreSQL'],
      ['databases-for-redis', 'Databases for Redis'],
    ]);
    expect(action(doc, 'databases-for-postgresql.<credential_kind>.rotate')).toMatchObject({ templateVariable: 'credential_kind', description: 'A Credential Kind of the deployment is rotated.' });
    expect(action(doc, 'databases-for-postgresql.deployment-backup.restore').description).toBe('A deployment is restored from a backup of IBM Cloud Object Storage.');
  });

  it('table spellings keep what the other columns say', async () => {
    const doc = await page('table-spellings.md');
    expect(action(doc, 'messagehub.schema.create').description).toBe('A schema is registered | its first version is stored.');
    expect(action(doc, 'messagehub.quota.update')).toMatchObject({ description: 'A quota is changed.', group: 'Quota events' });
    expect(action(doc, 'messagehub.mirroring.update')).toMatchObject({ httpMethod: 'PATCH', description: 'The topics that are mirrored are changed.' });
    expect(action(doc, 'messagehub.topic-config.update').deprecated).toBe(true);
    expect(doc.services).toEqual([{ prefix: 'messagehub', displayName: 'Event Streams', locations: ['eu-gb', 'us-south'] }]);
  });
});
