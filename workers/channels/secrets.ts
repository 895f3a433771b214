import { and, eq } from "drizzle-orm";
import { randomToken } from "../../src/auth/index.ts";
import { type Database, schema } from "../db.ts";

export type SecretPurpose = "identity" | "api" | "turnstile";

export async function channelSecret(db: Database, workspaceId: string, purpose: SecretPurpose): Promise<string | undefined> {
  const t = schema.channelSecrets;
  const row = (await db.select({ secret: t.secret }).from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.purpose, purpose))).limit(1))[0];
  return row?.secret;
}

/** A new secret, replacing the old one at once: the only time the API shows it. */
export async function rotateSecret(db: Database, workspaceId: string, purpose: SecretPurpose, now = Date.now()): Promise<string> {
  const secret = randomToken(32);
  await db
    .insert(schema.channelSecrets)
    .values({ workspaceId, purpose, secret, createdAt: now })
    .onConflictDoUpdate({ target: [schema.channelSecrets.workspaceId, schema.channelSecrets.purpose], set: { secret, createdAt: now } });
  return secret;
}

/** Stores a secret an admin brings (the Turnstile secret key), or removes it with null. */
export async function setSecret(db: Database, workspaceId: string, purpose: SecretPurpose, secret: string | null, now = Date.now()): Promise<void> {
  const t = schema.channelSecrets;
  if (secret === null) {
    await db.delete(t).where(and(eq(t.workspaceId, workspaceId), eq(t.purpose, purpose)));
    return;
  }
  await db.insert(t).values({ workspaceId, purpose, secret, createdAt: now }).onConflictDoUpdate({ target: [t.workspaceId, t.purpose], set: { secret, createdAt: now } });
}
