import { and, eq, or } from "drizzle-orm";
import { type Identity, normalizeIdentity } from "../../src/channels/index.ts";
import { newId, SwitchboardError } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";
import type { ContactProfile } from "../directory/contacts.ts";

const t = schema.contactIdentities;

async function owners(db: Database, workspaceId: string, identities: Identity[]) {
  return db
    .select({ kind: t.kind, value: t.value, contactId: t.contactId })
    .from(t)
    .where(and(eq(t.workspaceId, workspaceId), or(...identities.map((i) => and(eq(t.kind, i.kind), eq(t.value, i.value))))));
}

/**
 * The one contact behind these identities (in priority order: the first that already belongs to a
 * contact decides), created on first sight. Identities not yet known are attached to it; one that
 * already belongs to another contact stays there — joining two people is an admin's merge, never a
 * side effect of a message. Racing first deliveries end with one contact: the identity rows' keys decide.
 */
export async function resolveContact(db: Database, workspaceId: string, given: Identity[], profile: ContactProfile = {}, now = Date.now()): Promise<string> {
  const identities = given.map(normalizeIdentity).filter((i) => i.value.length > 0);
  if (identities.length === 0) throw new SwitchboardError("invalid_request", "a contact needs at least one identity");
  const pick = (rows: Awaited<ReturnType<typeof owners>>) => {
    for (const i of identities) {
      const row = rows.find((r) => r.kind === i.kind && r.value === i.value);
      if (row) return row.contactId;
    }
    return undefined;
  };
  let rows = await owners(db, workspaceId, identities);
  let contactId = pick(rows);
  if (!contactId) {
    const created = newId("contact", now);
    await db.batch([
      db.insert(schema.contacts).values({ id: created, workspaceId, name: profile.name ?? null, email: profile.email ?? null, createdAt: now, updatedAt: now }),
      db.insert(t).values(identities.map((i) => ({ workspaceId, ...i, contactId: created, createdAt: now }))).onConflictDoNothing(),
    ]);
    rows = await owners(db, workspaceId, identities);
    contactId = pick(rows)!;
    return contactId;
  }
  const missing = identities.filter((i) => !rows.some((r) => r.kind === i.kind && r.value === i.value));
  const writes = [];
  if (missing.length > 0) writes.push(db.insert(t).values(missing.map((i) => ({ workspaceId, ...i, contactId: contactId!, createdAt: now }))).onConflictDoNothing());
  if (profile.name || profile.email) {
    writes.push(
      db
        .update(schema.contacts)
        .set({ ...(profile.name ? { name: profile.name } : {}), ...(profile.email ? { email: profile.email } : {}), updatedAt: now })
        .where(and(eq(schema.contacts.id, contactId), eq(schema.contacts.workspaceId, workspaceId))),
    );
  }
  if (writes.length > 0) await db.batch(writes as [(typeof writes)[0], ...typeof writes]);
  return contactId;
}

async function requireContact(db: Database, workspaceId: string, id: string) {
  const row = (await db.select().from(schema.contacts).where(and(eq(schema.contacts.workspaceId, workspaceId), eq(schema.contacts.id, id))).limit(1))[0];
  if (!row) throw new SwitchboardError("not_found", `no contact ${id} in this workspace`);
  return row;
}

/** A contact with its identities and every conversation it had, merged ones included. */
export async function contactDetails(db: Database, workspaceId: string, id: string) {
  const contact = await requireContact(db, workspaceId, id);
  const [identities, conversations] = await Promise.all([
    db.select({ kind: t.kind, value: t.value, created_at: t.createdAt }).from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.contactId, id))),
    db
      .select({ id: schema.conversations.id, channel: schema.conversations.channel, state: schema.conversations.state, created_at: schema.conversations.createdAt })
      .from(schema.conversations)
      .where(and(eq(schema.conversations.workspaceId, workspaceId), eq(schema.conversations.contactId, id)))
      .orderBy(schema.conversations.createdAt)
      .limit(500),
  ]);
  return {
    id: contact.id,
    name: contact.name,
    email: contact.email,
    merged_into: contact.mergedInto,
    created_at: contact.createdAt,
    updated_at: contact.updatedAt,
    identities,
    conversations,
  };
}

/**
 * Merges `fromId` into `intoId`: its identities, its conversations (in the index) and its channel
 * threads move, so both histories are reachable from the merged contact and future messages on
 * any of its identities find it. The old contact stays as a tombstone pointing at the new one;
 * conversations keep their stored contact, which is how their history stays intact.
 */
export async function mergeContacts(db: Database, workspaceId: string, intoId: string, fromId: string, now = Date.now()) {
  if (intoId === fromId) throw new SwitchboardError("invalid_request", "a contact cannot be merged into itself");
  const [into, from] = await Promise.all([requireContact(db, workspaceId, intoId), requireContact(db, workspaceId, fromId)]);
  if (into.mergedInto) throw new SwitchboardError("invalid_request", `contact ${intoId} was itself merged into ${into.mergedInto}`);
  if (from.mergedInto) throw new SwitchboardError("invalid_request", `contact ${fromId} was already merged into ${from.mergedInto}`);
  await db.batch([
    db.update(t).set({ contactId: intoId }).where(and(eq(t.workspaceId, workspaceId), eq(t.contactId, fromId))),
    db.update(schema.conversations).set({ contactId: intoId }).where(and(eq(schema.conversations.workspaceId, workspaceId), eq(schema.conversations.contactId, fromId))),
    db.update(schema.channelThreads).set({ contactId: intoId }).where(and(eq(schema.channelThreads.workspaceId, workspaceId), eq(schema.channelThreads.contactId, fromId))),
    db
      .update(schema.contacts)
      .set({ name: into.name ?? from.name, email: into.email ?? from.email, updatedAt: now })
      .where(eq(schema.contacts.id, intoId)),
    db.update(schema.contacts).set({ mergedInto: intoId, updatedAt: now }).where(eq(schema.contacts.id, fromId)),
  ]);
  return contactDetails(db, workspaceId, intoId);
}

/** The contact holding an identity (an email address, a phone number, a WeChat openid as `<appid>:<openid>`). */
export async function contactByIdentity(db: Database, workspaceId: string, identity: Identity) {
  const i = normalizeIdentity(identity);
  const row = (await db.select({ contactId: t.contactId }).from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.kind, i.kind), eq(t.value, i.value))).limit(1))[0];
  if (!row) throw new SwitchboardError("not_found", `no contact with ${i.kind} ${i.value}`);
  return contactDetails(db, workspaceId, row.contactId);
}
