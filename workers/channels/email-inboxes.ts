import { and, eq } from "drizzle-orm";
import { SwitchboardError } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";

export async function createInbox(db: Database, workspaceId: string, body: { address: string; name?: string | undefined }, now = Date.now()) {
  const address = body.address.toLowerCase();
  const existing = (await db.select().from(schema.emailInboxes).where(eq(schema.emailInboxes.address, address)).limit(1))[0];
  if (existing) throw new SwitchboardError("invalid_request", `${address} is already a support inbox`);
  await db.insert(schema.emailInboxes).values({ address, workspaceId, name: body.name ?? null, createdAt: now });
  return { address, name: body.name ?? null, created_at: now };
}

export async function listInboxes(db: Database, workspaceId: string) {
  const rows = await db.select().from(schema.emailInboxes).where(eq(schema.emailInboxes.workspaceId, workspaceId));
  return rows.map((r) => ({ address: r.address, name: r.name, created_at: r.createdAt }));
}

/** Removes a support address: mail to it (and its `+` reply addresses) is refused from now on. */
export async function deleteInbox(db: Database, workspaceId: string, address: string): Promise<void> {
  const t = schema.emailInboxes;
  const removed = await db.delete(t).where(and(eq(t.workspaceId, workspaceId), eq(t.address, address.toLowerCase()))).returning({ address: t.address });
  if (removed.length === 0) throw new SwitchboardError("not_found", `${address} is not a support inbox of this workspace`);
}
