import type { KeyStoreError } from '@mdg/model';
import type { ApiKeyMode } from './api-key';

export type Plan = 'pro' | 'free';

/** What is stored about a key. Never the secret: only its SHA-256 and a displayable prefix. */
export interface ApiKeyRecord {
  /** SHA-256 hex of the whole key; the lookup key. */
  readonly keyHash: string;
  /** e.g. `ci_live_AbC123`: identifies the key to humans, unique within a store. */
  readonly keyPrefix: string;
  readonly userId: string;
  readonly plan: Plan;
  /** False when the plan lapsed (unpaid, suspended): a `pro` key then no longer opens `/api-ws`. */
  readonly planActive: boolean;
  readonly mode: ApiKeyMode;
  /** Unix ms. */
  readonly createdAt: number;
  /** Unix ms; set once, a revoked key never verifies again. */
  readonly revokedAt?: number;
  readonly scopes?: readonly string[];
}

/** Result of a lookup: the record of an existing, unrevoked key, whatever its plan. */
export type KeyVerdict = { readonly ok: true; readonly record: ApiKeyRecord } | { readonly ok: false; readonly reason: 'AUTH_FAILED' };

export interface CreateKeyOptions {
  userId: string;
  plan: Plan;
  /** Default true. */
  planActive?: boolean;
  /** Default `live`; must match `apiKey` when both are given. */
  mode?: ApiKeyMode;
  scopes?: readonly string[];
  /** Store this exact key instead of generating one (e.g. a configured demo key); must be well-formed and new. */
  apiKey?: string;
}

export interface CreatedKey {
  /** The whole key: returned once, never retrievable again. */
  readonly apiKey: string;
  readonly record: ApiKeyRecord;
}

export interface PlanChange {
  plan: Plan;
  planActive: boolean;
}

/**
 * The API key store port. Every operation is async so a Redis implementation can satisfy it;
 * change events (`onRevoked`, `onPlanChanged`) also fire for changes made by other processes
 * or nodes, so live connections of a revoked key can be closed wherever they are.
 */
export interface KeyStore {
  /** `ok` for an existing unrevoked key; the caller decides whether the plan suffices (see `authenticateApiKey`). */
  verify(apiKey: string): Promise<KeyVerdict>;
  create(options: CreateKeyOptions): Promise<CreatedKey>;
  /**
   * Revokes by whole key, key prefix (`ci_live_AbC123`) or key hash. Returns the (revoked) record,
   * or undefined when nothing matches; revoking a revoked key returns it unchanged.
   */
  revoke(reference: string): Promise<ApiKeyRecord | undefined>;
  /** Sets the plan of every unrevoked key of `userId`; returns the updated records. */
  setPlan(userId: string, change: PlanChange): Promise<ApiKeyRecord[]>;
  /** Every record, revoked ones included, oldest first. */
  list(): Promise<ApiKeyRecord[]>;
  /** A key was revoked or removed (here or elsewhere). Returns an unsubscribe function. */
  onRevoked(listener: (record: ApiKeyRecord) => void): () => void;
  /** The plan or plan status of an unrevoked key changed (here or elsewhere). */
  onPlanChanged(listener: (record: ApiKeyRecord) => void): () => void;
  /** Background failures (e.g. an unreadable keys file on reload); the store keeps its last good state. */
  onError(listener: (error: KeyStoreError) => void): () => void;
  close(): Promise<void>;
}

/** The `/api-ws` requirement: a `pro` plan that is active. */
export function hasActivePro(record: ApiKeyRecord): boolean {
  return record.plan === 'pro' && record.planActive;
}
