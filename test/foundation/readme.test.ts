// Every GraphQL example of the README runs as it is written, in order, against a fresh
// gateway with the shipped catalog: no errors, and what one example records the next one
// shows. `<... id>` placeholders take the ids earlier examples answered (targets by name).
// The subscription example runs over graphql-ws and gets the event recorded after it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/paths.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { liveClient } from '../support/live.js';

const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('readme', { DELIVERY_WORKER: 'false' });
});
afterAll(async () => {
  await gw?.stop();
});

/** Ids answered so far, by the name of what they name (`soc-webhook` -> its target id). */
const ids = new Map<string, string>();
function remember(data: unknown): void {
  if (Array.isArray(data)) return data.forEach(remember);
  if (!data || typeof data !== 'object') return;
  const o = data as Record<string, unknown>;
  if (typeof o.id === 'string' && typeof o.name === 'string') ids.set(o.name, o.id);
  Object.values(o).forEach(remember);
}
const filled = (example: string) =>
  example.replace(/<([\w-]+) id>/g, (_, name: string) => {
    const id = ids.get(name);
    if (!id) throw new Error(`the README's <${name} id> names nothing an earlier example made`);
    return id;
  });

describe('the README', () => {
  it('has its GraphQL examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  it('runs every query and mutation example as written, in order, each without an error', async () => {
    const answers: Array<Record<string, any>> = [];
    for (const example of examples.filter((e) => !/^\s*subscription\b/.test(e))) {
      const res = await gw.gql(filled(example));
      expect(res.body.errors, `${example}\n${JSON.stringify(res.body.errors)}`).toBeUndefined();
      remember(res.body.data);
      answers.push(res.body.data!);
    }
    // The events example shows the event the recordEvent example recorded (a follower sees it).
    const recorded = answers.find((a) => a.recordEvent)!.recordEvent.event.id;
    const listed = answers.find((a) => a.events)!.events.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(listed).toContain(recorded);
  });

  it('runs the subscription example, which gets the next event that matches', async () => {
    const subscription = examples.find((e) => /^\s*subscription\b/.test(e))!;
    const client = liveClient(gw.url, gw.adminKey);
    try {
      const received = client.subscribe(subscription);
      await eventually(async () => gw.gateway.managers.tail.openSubscriptions === 1);
      const res = await gw.gql('mutation($i: EventInput!) { recordEvent(input: $i) { event { id } } }', {
        i: { id: 'readme-live', action: 'pm-20.wml_model.list', eventTime: new Date(Date.now() - 1000).toISOString(), initiator: { id: 'IBMid-1', name: 'ana@example.com' }, outcome: 'FAILURE', location: 'us-south' },
      });
      expect(res.body.errors).toBeUndefined();
      await eventually(async () => received.items.length > 0);
      expect(received.errors).toEqual([]);
      expect(received.items[0]!.eventRecorded.event).toMatchObject({ id: 'readme-live', action: { name: 'pm-20.<asset_type>.list' } });
      received.stop();
    } finally {
      await client.close();
    }
  });

  it('answers a question by minute over its default range (the last 24 hours: within the bucket limit)', async () => {
    const res = await gw.gql('{ eventStats(groupBy: [OUTCOME], interval: MINUTE) { total } }');
    expect(res.body.errors).toBeUndefined();
  });
});
