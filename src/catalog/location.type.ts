import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum LocationKind {
  REGIONAL = 'regional',
  GLOBAL = 'global',
}
registerEnumType(LocationKind, {
  name: 'LocationKind',
  description: 'Regional locations generate events in one region; `global` holds account-level events.',
});

@ObjectType('Location', { description: 'A place where events are generated.', simpleResolvers: true })
export class LocationType {
  @Field(() => String, { description: 'Region code such as `us-south`, or `global`.' })
  code!: string;

  @Field(() => String, { description: 'City or label, e.g. Dallas.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Americas, Asia Pacific or Europe; null for global.' })
  geography!: string | null;

  @Field(() => LocationKind)
  kind!: LocationKind;
}
