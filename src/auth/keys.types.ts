// GraphQL types of API keys and of the caller's identity.
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { DateTime } from '../server/scalars.js';

export enum RoleEnum {
  READER = 'reader',
  WRITER = 'writer',
  ADMIN = 'admin',
}
registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'reader: queries; writer: reader plus recording events; admin: everything in its account (the operator account\'s admins also change the shared catalog).',
});

@ObjectType('ApiKey', { simpleResolvers: true, description: 'An API key. Its secret is shown only once, by createKey.' })
export class ApiKeyType {
  @Field(() => ID) id!: string;
  @Field(() => String) accountId!: string;
  @Field(() => RoleEnum) role!: RoleEnum;
  @Field(() => String) name!: string;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => String, { nullable: true, description: 'key:<id> or tool:<name>.' }) createdBy!: string | null;
  @Field(() => DateTime, { nullable: true, description: 'Updated at most once a minute.' }) lastUsedAt!: Date | null;
  @Field(() => DateTime, { nullable: true }) revokedAt!: Date | null;
  @Field(() => String, { nullable: true }) revokedBy!: string | null;
}

@ObjectType('Viewer', { simpleResolvers: true, description: 'Who the request acts as.' })
export class ViewerType {
  @Field(() => String) accountId!: string;
  @Field(() => RoleEnum) role!: RoleEnum;
  @Field(() => ID, { nullable: true }) keyId!: string | null;
  @Field(() => String) name!: string;
  @Field(() => Boolean, { description: 'An account whose admins may change the shared catalog.' }) operator!: boolean;
}

@InputType('CreateKeyInput')
export class CreateKeyInput {
  @Field(() => RoleEnum) role!: RoleEnum;
  @Field(() => String, { description: 'What the key is for (1 to 100 characters).' }) name!: string;
  @Field(() => String, { nullable: true, description: 'Another account: operator admins only. Default: the caller\'s.' }) accountId?: string | null;
}

@InputType('RevokeKeyInput')
export class RevokeKeyInput {
  @Field(() => ID) id!: string;
}

@ObjectType('CreateKeyPayload', { simpleResolvers: true })
export class CreateKeyPayload {
  @Field(() => String, { description: 'The key, for `Authorization: Bearer <key>`. Shown this once; only a hash is stored.' }) key!: string;
  @Field(() => ApiKeyType) apiKey!: ApiKeyType;
}

@ObjectType('RevokeKeyPayload', { simpleResolvers: true })
export class RevokeKeyPayload {
  @Field(() => ApiKeyType) apiKey!: ApiKeyType;
}
