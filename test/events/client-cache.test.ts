// A standard client with a normalized cache shows the data right: Apollo Client with its
// default InMemoryCache (no typePolicies), over real HTTP. Values inside an event (its
// initiator, its target) carry no `id`, so the cache keeps each event's own; entities
// (events, actions, services) share one object per identity; paging with fetchMore shows
// every event once.
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let client: ApolloClient;

const at = (n: number) => new Date(Date.now() - 60_000 + n * 10).toISOString();
const event = (n: number, initiator: Record<string, unknown>, target: Record<string, unknown>) => ({
  id: `cache-${n}`,
  action: 'audit-log.vsi.reboot',
  eventTime: at(n),
  initiator,
  target: { typeURI: 'audit-log/vsi', ...target },
  outcome: 'SUCCESS',
  location: 'us-south',
});

beforeAll(async () => {
  gw = await startTestGateway('events_client_cache', { DELIVERY_WORKER: 'false' });
  // Two events by one initiator id under two names and addresses; two on one target id under two names.
  const inputs = [
    event(1, { id: 'IBMid-shared', name: 'ana@example.com', host: { address: '10.0.0.1' } }, { id: 'crn:v1:bluemix:public:audit-log:us-south:a/1::vsi:one', name: 'first-name' }),
    event(2, { id: 'IBMid-shared', name: 'ana.renamed@example.com', host: { address: '10.0.0.2' } }, { id: 'crn:v1:bluemix:public:audit-log:us-south:a/1::vsi:one', name: 'second-name' }),
    event(3, { id: 'IBMid-other', name: 'bo@example.com' }, { id: 'crn:v1:bluemix:public:audit-log:us-south:a/1::vsi:two', name: 'two' }),
    event(4, { id: 'IBMid-other', name: 'bo@example.com' }, { id: 'crn:v1:bluemix:public:audit-log:us-south:a/1::vsi:two', name: 'two' }),
    event(5, { id: 'IBMid-other', name: 'bo@example.com' }, { id: 'crn:v1:bluemix:public:audit-log:us-south:a/1::vsi:two', name: 'two' }),
  ];
  const res = await gw.gql('mutation($i: [EventInput!]!) { recordEvents(inputs: $i) { createdCount } }', { i: inputs });
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  client = new ApolloClient({ link: new HttpLink({ uri: gw.url, headers: gw.bearer(gw.adminKey) }), cache: new InMemoryCache() });
});
afterAll(async () => {
  client?.stop();
  await gw?.stop();
});

const EVENTS = gql`
  query Events($first: Int, $after: String) {
    events(first: $first, after: $after, orderBy: OLDEST_FIRST, filter: { actions: ["audit-log.vsi.reboot"] }) {
      edges {
        cursor
        node {
          id
          initiator { iamId name host { address } }
          target { crn name }
          action { id name service { id displayName } }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

type Page = { events: { edges: Array<{ cursor: string; node: { id: string; initiator: { iamId: string; name: string; host: { address: string | null } }; target: { crn: string; name: string }; action: { id: string } } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } };

describe('Apollo Client with a default InMemoryCache', () => {
  it("keeps each event's own initiator and target, however they share an id", async () => {
    const { data } = await client.query<Page>({ query: EVENTS, variables: { first: 50 } });
    const byId = new Map(data!.events.edges.map((e) => [e.node.id, e.node]));
    expect(byId.get('cache-1')).toMatchObject({ initiator: { iamId: 'IBMid-shared', name: 'ana@example.com', host: { address: '10.0.0.1' } }, target: { name: 'first-name' } });
    expect(byId.get('cache-2')).toMatchObject({ initiator: { iamId: 'IBMid-shared', name: 'ana.renamed@example.com', host: { address: '10.0.0.2' } }, target: { name: 'second-name' } });
    // Read back from the cache alone: the same, not one event's values for both.
    const cached = client.readQuery<Page>({ query: EVENTS, variables: { first: 50 } });
    expect(cached!.events.edges.map((e) => `${e.node.id} ${e.node.initiator.name} ${e.node.target.name}`)).toEqual(data!.events.edges.map((e) => `${e.node.id} ${e.node.initiator.name} ${e.node.target.name}`));
    // Entities are normalized: one Action and one Service object for all these events.
    const store = client.cache.extract() as Record<string, unknown>;
    expect(Object.keys(store).filter((k) => k.startsWith('Action:'))).toEqual(['Action:audit-log.vsi.reboot']);
    expect(Object.keys(store).filter((k) => k.startsWith('Service:'))).toEqual(['Service:audit-log']);
    expect(Object.keys(store).some((k) => k.startsWith('Initiator:') || k.startsWith('EventTarget:'))).toBe(false);
  });

  it('shows every event once when paging with fetchMore', async () => {
    const observable = client.watchQuery<Page>({ query: EVENTS, variables: { first: 2 } });
    // Watching starts it; its first complete result is the first page.
    let data = await new Promise<Page>((resolve, reject) => {
      const subscription = observable.subscribe({
        next: (result) => {
          if (result.dataState !== 'complete') return;
          subscription.unsubscribe();
          resolve(result.data as Page);
        },
        error: reject,
      });
    });
    while (data.events.pageInfo.hasNextPage) {
      await observable.fetchMore({
        variables: { after: data.events.pageInfo.endCursor },
        updateQuery: (previous, { fetchMoreResult }) => ({
          events: { ...fetchMoreResult.events, edges: [...previous.events.edges, ...fetchMoreResult.events.edges] },
        }),
      });
      data = observable.getCurrentResult().data as Page;
    }
    expect(data.events.edges.map((e) => e.node.id)).toEqual(['cache-1', 'cache-2', 'cache-3', 'cache-4', 'cache-5']);
    expect(data.events.edges.map((e) => e.node.initiator.name)).toEqual(['ana@example.com', 'ana.renamed@example.com', 'bo@example.com', 'bo@example.com', 'bo@example.com']);
  });
});
