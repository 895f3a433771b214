import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { fillTemplate } from "../../src/context/index.ts";
import type { CreateLookupBody, LookupPatch, LookupResult } from "../../src/model/index.ts";
import { newId, SwitchboardError } from "../../src/model/index.ts";
import { database, type Database, schema } from "../db.ts";
import type { Env } from "../env.ts";

type Row = typeof schema.contextLookups.$inferSelect;
/** A business system's answer larger than this is not shown (the panel is a summary). */
const MAX_BODY_BYTES = 64 * 1024;

function toWire(r: Row) {
  return {
    id: r.id,
    name: r.name,
    url_template: r.urlTemplate,
    auth_header_name: r.authHeaderName,
    timeout_ms: r.timeoutMs,
    cache_ttl_seconds: r.cacheTtlSeconds,
    active: r.active,
    updated_at: r.updatedAt,
  };
}

export async function listLookups(db: Database, workspaceId: string) {
  return (await db.select().from(schema.contextLookups).where(eq(schema.contextLookups.workspaceId, workspaceId))).map(toWire);
}

export async function createLookup(db: Database, workspaceId: string, body: z.infer<typeof CreateLookupBody>, now = Date.now()) {
  const rows = await db
    .insert(schema.contextLookups)
    .values({
      id: newId("lookup", now),
      workspaceId,
      name: body.name,
      urlTemplate: body.url_template,
      authHeaderName: body.auth_header?.name ?? null,
      authHeaderValue: body.auth_header?.value ?? null,
      timeoutMs: body.timeout_ms,
      cacheTtlSeconds: body.cache_ttl_seconds,
      active: body.active,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return toWire(rows[0]!);
}

/** Any change invalidates the cached answers: they are valid only if fetched after the last change. */
export async function updateLookup(db: Database, workspaceId: string, id: string, patch: z.infer<typeof LookupPatch>, now = Date.now()) {
  const t = schema.contextLookups;
  const rows = await db
    .update(t)
    .set({
      ...(patch.name === undefined ? {} : { name: patch.name }),
      ...(patch.url_template === undefined ? {} : { urlTemplate: patch.url_template }),
      ...(patch.auth_header === undefined ? {} : { authHeaderName: patch.auth_header?.name ?? null, authHeaderValue: patch.auth_header?.value ?? null }),
      ...(patch.timeout_ms === undefined ? {} : { timeoutMs: patch.timeout_ms }),
      ...(patch.cache_ttl_seconds === undefined ? {} : { cacheTtlSeconds: patch.cache_ttl_seconds }),
      ...(patch.active === undefined ? {} : { active: patch.active }),
      updatedAt: now,
    })
    .where(and(eq(t.workspaceId, workspaceId), eq(t.id, id)))
    .returning();
  if (rows.length === 0) throw new SwitchboardError("not_found", "no such context lookup");
  return toWire(rows[0]!);
}

export async function deleteLookup(db: Database, workspaceId: string, id: string) {
  const t = schema.contextLookups;
  const rows = await db.delete(t).where(and(eq(t.workspaceId, workspaceId), eq(t.id, id))).returning({ id: t.id });
  if (rows.length === 0) throw new SwitchboardError("not_found", "no such context lookup");
  await db.delete(schema.contextCache).where(eq(schema.contextCache.lookupId, id));
}

/**
 * The contact's context from every active lookup, fetched in parallel. Each lookup answers on its
 * own: a slow, failing or misconfigured system shows as "unavailable" and never fails the rest.
 */
export async function contactContext(env: Env, workspaceId: string, contactId: string, now = Date.now()): Promise<LookupResult[]> {
  const db = database(env.DB);
  const c = schema.contacts;
  const contact = (await db.select().from(c).where(and(eq(c.workspaceId, workspaceId), eq(c.id, contactId))).limit(1))[0];
  if (!contact) throw new SwitchboardError("not_found", "no such contact");
  const t = schema.contextLookups;
  const lookups = await db.select().from(t).where(and(eq(t.workspaceId, workspaceId), eq(t.active, true)));
  return Promise.all(lookups.map((lookup) => runLookup(db, lookup, { id: contact.id, email: contact.email, name: contact.name }, now)));
}

async function runLookup(db: Database, lookup: Row, contact: { id: string; email: string | null; name: string | null }, now: number): Promise<LookupResult> {
  const base = { lookup_id: lookup.id, name: lookup.name };
  const unavailable = (reason: string): LookupResult => ({ ...base, status: "unavailable", reason });
  const url = fillTemplate(lookup.urlTemplate, contact);
  if (typeof url !== "string") return unavailable(`the contact has no ${url.missing}`);

  const cc = schema.contextCache;
  const cached = (await db.select().from(cc).where(and(eq(cc.lookupId, lookup.id), eq(cc.contactId, contact.id))).limit(1))[0];
  if (cached && cached.fetchedAt >= lookup.updatedAt && now - cached.fetchedAt < lookup.cacheTtlSeconds * 1000) {
    return { ...base, status: "ok", data: JSON.parse(cached.body), fetched_at: cached.fetchedAt, cached: true };
  }

  let body: string;
  try {
    body = await fetchWithin(url, lookup, lookup.timeoutMs);
  } catch (err) {
    return unavailable((err as LookupFailure).message);
  }
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return unavailable("the answer is not JSON");
  }
  if (lookup.cacheTtlSeconds > 0) {
    await db
      .insert(cc)
      .values({ lookupId: lookup.id, contactId: contact.id, body, fetchedAt: now })
      .onConflictDoUpdate({ target: [cc.lookupId, cc.contactId], set: { body, fetchedAt: now } });
  }
  return { ...base, status: "ok", data, fetched_at: now, cached: false };
}

/** Why a lookup is unavailable, in words for the panel. */
class LookupFailure extends Error {}

/** The body of a 2xx answer within the time limit, or an error saying what went wrong. */
async function fetchWithin(url: string, lookup: Row, timeoutMs: number): Promise<string> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new LookupFailure(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const headers: Record<string, string> = { accept: "application/json", "user-agent": "Switchboard-Context/1" };
  if (lookup.authHeaderName && lookup.authHeaderValue) headers[lookup.authHeaderName] = lookup.authHeaderValue;
  try {
    return await Promise.race([
      (async () => {
        const response = await fetch(url, { headers, signal: controller.signal, redirect: "manual" });
        if (!response.ok) {
          await response.body?.cancel();
          throw new LookupFailure(`the system answered HTTP ${response.status}`);
        }
        const text = await response.text();
        if (new TextEncoder().encode(text).byteLength > MAX_BODY_BYTES) throw new LookupFailure(`the answer is larger than ${MAX_BODY_BYTES} bytes`);
        return text;
      })(),
      timeout,
    ]);
  } catch (err) {
    if (err instanceof LookupFailure) throw err;
    throw new LookupFailure(`the request failed (${err instanceof Error ? err.message : "unknown error"})`);
  } finally {
    clearTimeout(timer);
  }
}
