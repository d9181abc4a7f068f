import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTime } from '../server/scalars.js';
import { ConnectionType } from '../server/relay.js';

@ObjectType('Service', { description: 'A cloud service: the owner of an action-name prefix.', simpleResolvers: true })
export class ServiceType {
  /** Database id; used by loaders, not exposed. */
  id!: number;

  @Field(() => ID, { description: 'The action-name prefix, e.g. `iam-am` or `wdp.scheduling`.' })
  prefix!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => String, { nullable: true, description: 'The documentation page the service was imported from.' })
  sourceDocument!: string | null;

  @Field(() => DateTime)
  createdAt!: Date;

  @Field(() => DateTime)
  updatedAt!: Date;
}

export const ServiceConnection = ConnectionType('Service', ServiceType);
export type ServiceConnection = InstanceType<typeof ServiceConnection>;

@ObjectType('ServiceActionCounts', { simpleResolvers: true })
export class ServiceActionCounts {
  @Field(() => Int, { description: 'All actions of the service.' })
  total!: number;

  @Field(() => Int)
  deprecated!: number;

  @Field(() => Int, { description: 'Template actions (one `<variable>` segment).' })
  templates!: number;
}
