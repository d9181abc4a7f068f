import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTime } from '../server/scalars.js';
import { Outcome, Severity } from './event.enums.js';
import { StatsDimensionEnum, StatsIntervalEnum } from './event.inputs.js';

export enum StatsSource {
  ROLLUPS = 'ROLLUPS',
  EVENTS = 'EVENTS',
}
registerEnumType(StatsSource, { name: 'StatsSource', description: 'ROLLUPS: from the counts kept at ingest (exact); EVENTS: counted over the events.' });

@ObjectType('StatsBucket', { simpleResolvers: true })
export class StatsBucketType {
  @Field(() => DateTime)
  start!: Date;

  @Field(() => Int)
  count!: number;
}

@ObjectType('StatsKey', { simpleResolvers: true, description: 'The group: the value of each grouped dimension (others are null).' })
export class StatsKeyType {
  @Field(() => String, { nullable: true })
  service?: string | null;

  @Field(() => String, { nullable: true })
  action?: string | null;

  @Field(() => Outcome, { nullable: true })
  outcome?: Outcome | null;

  @Field(() => Severity, { nullable: true })
  severity?: Severity | null;

  @Field(() => String, { nullable: true })
  location?: string | null;

  @Field(() => String, { nullable: true, description: 'initiator.id' })
  initiator?: string | null;

  @Field(() => String, { nullable: true, description: 'target.typeURI' })
  targetType?: string | null;
}

@ObjectType('StatsGroup', { simpleResolvers: true })
export class StatsGroupType {
  @Field(() => StatsKeyType)
  key!: StatsKeyType;

  @Field(() => Int)
  count!: number;

  @Field(() => [StatsBucketType], { description: 'Buckets with events, in time order.' })
  buckets!: StatsBucketType[];
}

@ObjectType('EventStats', { simpleResolvers: true })
export class EventStatsType {
  @Field(() => DateTime)
  from!: Date;

  @Field(() => DateTime)
  to!: Date;

  @Field(() => StatsIntervalEnum)
  interval!: StatsIntervalEnum;

  @Field(() => [StatsDimensionEnum])
  groupBy!: StatsDimensionEnum[];

  @Field(() => Int, { description: 'All matching events.' })
  total!: number;

  @Field(() => [StatsBucketType], { description: 'All matching events per bucket.' })
  buckets!: StatsBucketType[];

  @Field(() => [StatsGroupType], { description: 'The `top` groups by count.' })
  groups!: StatsGroupType[];

  @Field(() => Int, { description: 'How many groups there are in all.' })
  groupCount!: number;

  @Field(() => Int, { description: 'Events in groups beyond the top ones.' })
  otherCount!: number;

  @Field(() => StatsSource)
  source!: StatsSource;
}
