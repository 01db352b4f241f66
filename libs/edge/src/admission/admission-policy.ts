import type { ApiKeyRecord, Plan } from '@mdg/auth';
import type { Refusal } from './refusal';

/** What one endpoint asks of a key before it may hold a connection, and how many per user. */
export interface AdmissionPolicy {
  /** ConnectionRegistry pool the endpoint's slots are counted in (one per endpoint). */
  readonly connectionPool: string;
  /** `/api-ws` needs an active Pro plan; `/ws/chart-live` any active plan. */
  readonly requirePro: boolean;
  /** Live connections per user, by plan, counted across every node. */
  readonly maxConnectionsPerPlan: Readonly<Record<Plan, number>>;
}

/**
 * Whether the key's plan entitles it to the endpoint; the refusal when not. Applied at
 * admission and again whenever the plan changes, so a downgrade or a deactivation cuts live
 * connections exactly as a new connection would be refused.
 *
 * An inactive plan (unpaid, suspended) opens nothing: on an endpoint that needs Pro it is
 * `PRO_REQUIRED` (PROTOCOL.md A: "without an active Pro plan"); elsewhere the key no longer
 * authenticates until the plan is active again.
 */
export function entitlementRefusal(policy: AdmissionPolicy, record: ApiKeyRecord): Refusal | undefined {
  if (policy.requirePro && (record.plan !== 'pro' || !record.planActive)) return { code: 'PRO_REQUIRED' };
  if (!record.planActive) return { code: 'AUTH_FAILED', cause: 'plan_inactive' };
  return undefined;
}

/** The slot limit of the record's plan. */
export function connectionLimit(policy: AdmissionPolicy, record: ApiKeyRecord): number {
  return policy.maxConnectionsPerPlan[record.plan];
}
