// GraphQL types of tamper evidence: the chain, its checkpoints and keys, verification, proofs.
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { SafeIntResolver } from 'graphql-scalars';
import { DateTime } from '../server/scalars.js';

export enum ChainBreakKindEnum {
  HASH_MISMATCH = 'HASH_MISMATCH',
  MISSING = 'MISSING',
  OUT_OF_ORDER = 'OUT_OF_ORDER',
  OUTSIDE_CHAIN = 'OUTSIDE_CHAIN',
  AFTER_HEAD = 'AFTER_HEAD',
  CHECKPOINT_MISMATCH = 'CHECKPOINT_MISMATCH',
  UNTRUSTED_KEY = 'UNTRUSTED_KEY',
  BEHIND_CHECKPOINT = 'BEHIND_CHECKPOINT',
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
    UNTRUSTED_KEY: { description: 'A checkpoint is signed by a key the verifier does not trust (the gateway\'s own key and CHECKPOINT_TRUSTED_KEYS; for npm run verify, --public-key): someone else signed it.' },
    BEHIND_CHECKPOINT: { description: 'The head is behind a published checkpoint: the newest events were removed, or the head was rolled back.' },
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

@ObjectType('SigningKey', { simpleResolvers: true, description: 'A public key whose checkpoints this gateway trusts.' })
export class SigningKeyType {
  @Field(() => String) keyId!: string;
  @Field(() => String, { description: 'SPKI PEM.' }) publicKey!: string;
  @Field(() => String) algorithm!: string;
  @Field(() => String, { description: 'Where the trust comes from: the checkpoint key, CHECKPOINT_TRUSTED_KEYS or the file CHECKPOINT_TRUSTED_KEYS_FILE.' }) source!: string;
}

@ObjectType('EventChain', { simpleResolvers: true, description: 'The account\'s hash chain.' })
export class EventChainType {
  @Field(() => SafeIntResolver, { description: 'Position of the last event (0: none yet).' }) headSequence!: number;
  @Field(() => String, { nullable: true, description: 'Its link, hex.' }) headHash!: string | null;
  @Field(() => [ChainCheckpointType], { description: 'The latest checkpoints, newest first.' }) checkpoints!: ChainCheckpointType[];
  @Field(() => [SigningKeyType], { description: 'The public keys whose checkpoints count: from the configuration, never from the database.' }) publicKeys!: SigningKeyType[];
  @Field(() => ChainCheckpointType, { nullable: true, description: 'The latest checkpoint this gateway published outside the database (its checkpoint log). Keep a copy: verifyEvents(against:) with it finds a chain rolled back or rewritten since.' })
  publishedCheckpoint!: ChainCheckpointType | null;
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

@InputType('ChainCheckpointInput', { description: 'A signed checkpoint as eventChain, the checkpoint log or an export shows it.' })
export class ChainCheckpointInput {
  @Field(() => String, { nullable: true, description: 'The account it is of (default: the key\'s).' }) account?: string | null;
  @Field(() => SafeIntResolver) sequence!: number;
  @Field(() => String) hash!: string;
  @Field(() => DateTime) signedAt!: Date;
  @Field(() => String) keyId!: string;
  @Field(() => String) signature!: string;
}

@InputType('StartChainVerificationInput')
export class StartChainVerificationInput {
  @Field(() => SafeIntResolver, { nullable: true, description: 'First position (default 1).' }) from?: number | null;
  @Field(() => SafeIntResolver, { nullable: true, description: 'Last position (default: the head).' }) to?: number | null;
  @Field(() => ChainCheckpointInput, { nullable: true, description: 'A checkpoint you hold, compared with the chain (a head behind it, or a chain without it, is a break).' })
  against?: ChainCheckpointInput | null;
}

export enum ChainVerificationStatusEnum {
  RUNNING = 'RUNNING',
  DONE = 'DONE',
  FAILED = 'FAILED',
  INTERRUPTED = 'INTERRUPTED',
}
registerEnumType(ChainVerificationStatusEnum, {
  name: 'ChainVerificationStatus',
  valuesConfig: {
    RUNNING: { description: 'Still walking the chain; `checked` grows.' },
    DONE: { description: 'Finished: `result` holds the verdict.' },
    FAILED: { description: 'Could not finish (`error` says why); not a verdict on the chain.' },
    INTERRUPTED: { description: 'The process running it stopped before it finished; start another.' },
  },
});

@ObjectType('ChainVerificationRun', { simpleResolvers: true, description: 'A verification of a chain in the background.' })
export class ChainVerificationRunType {
  @Field(() => ID) id!: string;
  @Field(() => ChainVerificationStatusEnum) status!: ChainVerificationStatusEnum;
  @Field(() => SafeIntResolver) from!: number;
  @Field(() => SafeIntResolver) to!: number;
  @Field(() => SafeIntResolver, { description: 'Events in the range.' }) total!: number;
  @Field(() => SafeIntResolver, { description: 'Events whose links matched so far.' }) checked!: number;
  @Field(() => Number, { nullable: true, description: 'Events checked per second so far.' }) eventsPerSecond!: number | null;
  @Field(() => DateTime) startedAt!: Date;
  @Field(() => DateTime, { description: 'When its progress was last recorded.' }) updatedAt!: Date;
  @Field(() => DateTime, { nullable: true }) finishedAt!: Date | null;
  @Field(() => ChainVerificationType, { nullable: true, description: 'The verdict, once DONE.' }) result!: ChainVerificationType | null;
  @Field(() => String, { nullable: true, description: 'Why it FAILED.' }) error!: string | null;
}

@ObjectType('StartChainVerificationPayload', { simpleResolvers: true })
export class StartChainVerificationPayload {
  @Field(() => ChainVerificationRunType) verification!: ChainVerificationRunType;
}

@ObjectType('CheckpointPayload', { simpleResolvers: true })
export class CheckpointPayload {
  @Field(() => ChainCheckpointType, { nullable: true, description: 'Null when the chain has no event yet.' }) checkpoint!: ChainCheckpointType | null;
}
