import { and, eq } from "drizzle-orm";
import { newId } from "../../src/model/index.ts";
import { type Database, schema } from "../db.ts";

export interface ContactProfile {
  name?: string | undefined;
  email?: string | undefined;
}

/**
 * The contact behind a visitor (cookie/device) ID, created on first sight. Two first requests
 * racing for the same visitor ID end with one contact: the identity row's key decides.
 */
export async function contactForVisitor(db: Database, workspaceId: string, visitorId: string, profile: ContactProfile, now = Date.now()) {
  const found = await identityContact(db, workspaceId, visitorId);
  if (found) {
    if ((profile.name && profile.name !== found.name) || (profile.email && profile.email !== found.email)) {
      await db
        .update(schema.contacts)
        .set({ name: profile.name ?? found.name, email: profile.email ?? found.email, updatedAt: now })
        .where(eq(schema.contacts.id, found.id));
    }
    return found.id;
  }
  const contactId = newId("contact", now);
  await db.batch([
    db.insert(schema.contacts).values({
      id: contactId,
      workspaceId,
      name: profile.name ?? null,
      email: profile.email ?? null,
      createdAt: now,
      updatedAt: now,
    }),
    db
      .insert(schema.contactIdentities)
      .values({ workspaceId, kind: "visitor", value: visitorId, contactId, createdAt: now })
      .onConflictDoNothing(),
  ]);
  const winner = await identityContact(db, workspaceId, visitorId);
  return winner!.id;
}

async function identityContact(db: Database, workspaceId: string, visitorId: string) {
  const rows = await db
    .select({ id: schema.contacts.id, name: schema.contacts.name, email: schema.contacts.email })
    .from(schema.contactIdentities)
    .innerJoin(schema.contacts, eq(schema.contacts.id, schema.contactIdentities.contactId))
    .where(
      and(
        eq(schema.contactIdentities.workspaceId, workspaceId),
        eq(schema.contactIdentities.kind, "visitor"),
        eq(schema.contactIdentities.value, visitorId),
      ),
    )
    .limit(1);
  return rows[0];
}
