// GraphQL types of the live tail.
import { Field, ObjectType } from 'type-graphql';
import { EventType } from '../events/event.type.js';

@ObjectType('RecordedEvent', { simpleResolvers: true, description: 'An event of the live tail, with the cursor to resume after it.' })
export class RecordedEventType {
  @Field(() => String, { description: 'Give it as `after` to resume the tail right after this event.' }) cursor!: string;
  @Field(() => EventType) event!: EventType;
}
