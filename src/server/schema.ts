// The executable GraphQL schema, built from the type-graphql resolvers of every module.
import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { DateTime } from './scalars.js';
import { buildSchema } from 'type-graphql';
import { ActionResolver } from '../catalog/action.resolver.js';
import { CatalogResolver } from '../catalog/catalog.resolver.js';
import { ServiceResolver } from '../catalog/service.resolver.js';
import { EventFieldsResolver, EventsResolver, withPlainArguments } from '../events/events.resolver.js';
import { KeysResolver } from '../auth/keys.resolver.js';
import { EventProofResolver, IntegrityResolver } from '../integrity/integrity.resolver.js';
import {
  DeliveryFieldsResolver,
  RouteExplanationFieldsResolver,
  RouteRuleFieldsResolver,
  RoutingExplanationFieldsResolver,
  RoutingResolver,
  RoutingSettingsFieldsResolver,
  TargetFieldsResolver,
} from '../routing/routing.resolver.js';
import { TailResolver } from '../tail/tail.resolver.js';

let built: Promise<GraphQLSchema> | null = null;

/** Built once per process: type-graphql's metadata is global. */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [
      CatalogResolver,
      ServiceResolver,
      ActionResolver,
      EventsResolver,
      EventFieldsResolver,
      RoutingResolver,
      TargetFieldsResolver,
      RouteRuleFieldsResolver,
      RoutingSettingsFieldsResolver,
      RoutingExplanationFieldsResolver,
      RouteExplanationFieldsResolver,
      DeliveryFieldsResolver,
      KeysResolver,
      IntegrityResolver,
      EventProofResolver,
      TailResolver,
    ],
    validate: false,
    // type-graphql insists on a PubSub; the one subscription brings its own stream
    // (tail.manager.ts reads the database by position), so this one is never used.
    pubSub: {
      publish() {
        throw new Error('the gateway publishes through the database, not a PubSub');
      },
      subscribe() {
        throw new Error('subscriptions declare their own subscribe function');
      },
    },
    scalarsMap: [{ type: Date, scalar: DateTime }],
  }).then(withPlainArguments);
  return built;
}

/** The SDL committed as schema/schema.graphql: sorted so that diffs stay readable. */
export async function printGatewaySdl(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildGatewaySchema()))}\n`;
}
