// GraphQL types of tamper evidence: the chain, its checkpoints and keys, verification, proofs.
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { SafeIntResolver } from 'graphql-scalars';
import { DateTime } from '../server/scalars.js';

export enum ChainBreakKindEnum {
  HASH_MISMATCH = 'HASH_MISMATCH',
  MISSING = 'MISSING',
  OUT_OF_ORDER = 'OUT_OF_ORDER',
  OUTSIDE_CHAIN = 'OUTSIDE_CHAIN',
  AFTER_HEAD = 'AFTER_HEAD',
  CHECKPOINT_MISMATCH = 'CHECKPOINT_MISMATCH',
}
registerEnumType(ChainBreakKindEnum, {
  name: 'ChainBreakKind',
  valuesConfig: {
    HASH_MISMATCH: { description: 'The event does not match its link: a field, its position or its predecessor changed.' },
    MISSING: { description: 'No event at this position: one was removed.' },
    OUT_OF_ORDER: { description: 'An event sits at a position already passed.' },
    OUTSIDE_CHAIN: { description: 'A stored event has no position: it was added around the chain.' },
    AFTER_HEAD: { description: 'An event sits past the recorded head: it was added around the chain.' },
    CHECKPOINT_MISMATCH: { description: 'The chain differs from a signed checkpoint (rewritten), or a checkpoint\'s signature is not valid.' },
  },
});

@ObjectType('ChainCheckpoint', { simpleResolvers: true, description: 'A chain head signed with the gateway\'s Ed25519 key.' })
export class ChainCheckpointType {
  @Field(() => SafeIntResolver) sequence!: number;
  @Field(() => String, { description: 'The link at `sequence`, hex.' }) hash!: string;
  @Field(() => DateTime) signedAt!: Date;
  @Field(() => String) keyId!: string;
  @Field(() => String, { description: 'Base64 Ed25519 signature of the canonical JSON {account, hash, keyId, sequence, signedAt}.' }) signature!: string;
}

@ObjectType('SigningKey', { simpleResolvers: true })
export class SigningKeyType {
  @Field(() => String) keyId!: string;
  @Field(() => String, { description: 'SPKI PEM.' }) publicKey!: string;
  @Field(() => String) algorithm!: string;
}

@ObjectType('EventChain', { simpleResolvers: true, description: 'The account\'s hash chain.' })
export class EventChainType {
  @Field(() => SafeIntResolver, { description: 'Position of the last event (0: none yet).' }) headSequence!: number;
  @Field(() => String, { nullable: true, description: 'Its link, hex.' }) headHash!: string | null;
  @Field(() => [ChainCheckpointType], { description: 'The latest checkpoints, newest first.' }) checkpoints!: ChainCheckpointType[];
  @Field(() => [SigningKeyType], { description: 'The public keys that signed checkpoints.' }) publicKeys!: SigningKeyType[];
}

@ObjectType('ChainBreak', { simpleResolvers: true })
export class ChainBreakType {
  @Field(() => SafeIntResolver, { nullable: true, description: 'Where the chain stops matching (null: an event outside the chain).' }) sequence!: number | null;
  @Field(() => String, { nullable: true }) eventId!: string | null;
  @Field(() => ChainBreakKindEnum) kind!: ChainBreakKindEnum;
  @Field(() => String) reason!: string;
}

@ObjectType('ChainVerification', { simpleResolvers: true })
export class ChainVerificationType {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => SafeIntResolver) from!: number;
  @Field(() => SafeIntResolver) to!: number;
  @Field(() => SafeIntResolver, { description: 'Events whose links were recomputed and matched.' }) checked!: number;
  @Field(() => SafeIntResolver) headSequence!: number;
  @Field(() => SafeIntResolver, { description: 'Signed checkpoints in the range compared with the chain.' }) checkpointsChecked!: number;
  @Field(() => ChainBreakType, { nullable: true, description: 'The first event whose link, position or place does not match.' }) firstBroken!: ChainBreakType | null;
}

@ObjectType('EventProof', { simpleResolvers: true, description: 'An event\'s place in the chain: link(n) = SHA-256(link(n-1) ‖ canonical JSON {content, receivedAt, sequence}).' })
export class EventProofType {
  @Field(() => SafeIntResolver) sequence!: number;
  @Field(() => String, { description: 'Hex.' }) hash!: string;
  @Field(() => String, { description: 'The link before (hex; 64 zeros for the first event).' }) previousHash!: string;
  @Field(() => ChainCheckpointType, { nullable: true, description: 'The first checkpoint at or after this event (null until one is signed).' }) checkpoint!: ChainCheckpointType | null;
}

@ObjectType('CheckpointPayload', { simpleResolvers: true })
export class CheckpointPayload {
  @Field(() => ChainCheckpointType, { nullable: true, description: 'Null when the chain has no event yet.' }) checkpoint!: ChainCheckpointType | null;
}
