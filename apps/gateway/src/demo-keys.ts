import type { KeyStore } from '@mdg/auth';

export interface DemoKeys {
  pro: string;
  free: string;
}

const DEMO_USERS = { pro: 'demo-pro', free: 'demo-free' } as const;

/**
 * Fresh demo keys at every start (secrets are stored hashed, so old ones cannot be shown
 * again): the previous demo keys are revoked so they do not pile up in the keys file.
 */
export async function issueDemoKeys(store: KeyStore): Promise<DemoKeys> {
  for (const record of await store.list()) {
    if (record.revokedAt === undefined && (record.userId === DEMO_USERS.pro || record.userId === DEMO_USERS.free)) await store.revoke(record.keyHash);
  }
  const pro = await store.create({ userId: DEMO_USERS.pro, plan: 'pro', mode: 'test' });
  const free = await store.create({ userId: DEMO_USERS.free, plan: 'free', mode: 'test' });
  return { pro: pro.apiKey, free: free.apiKey };
}
