import { DurableObject } from "cloudflare:workers";
import type { Actor, AgentServerFrame, AgentStatus, Presence, UserRole } from "../../src/model/index.ts";
import { AgentClientFrame, type ErrorCode, PING_TEXT, PONG_TEXT, SwitchboardError } from "../../src/model/index.ts";
import { describeIssues } from "../../src/conversation/index.ts";
import { type Schedule, scheduleOpen } from "../../src/routing/index.ts";
import type { AgentSlot } from "../../src/routing/index.ts";
import type { Env } from "../env.ts";
import type { Result } from "../conversation/rpc.ts";
import { conversationStub, groupStub } from "../stubs.ts";

/** What the agent's object needs to know about its user; pushed by the gateway and the admin API. */
export interface AgentProfile {
  workspace_id: string;
  user_id: string;
  name: string;
  role: UserRole;
  max_concurrent: number;
  shift: Schedule | null;
  timezone: string;
  groups: string[];
}

export type ReserveResult =
  | { ok: true; slot: AgentSlot; agent: Actor }
  | { ok: false; reason: "offline" | "away" | "off_shift" | "full" | "unknown"; slot: AgentSlot | null };

/** Which of a round's conversations the agent took; `reason` says why any were refused. */
export interface ReserveBatchResult {
  accepted: string[];
  reason: "offline" | "away" | "off_shift" | "full" | "unknown" | null;
  slot: AgentSlot | null;
  agent: Actor | null;
}

/** What a conversation answers an assignment with when it no longer waits in the offering group. */
const GONE: ReadonlySet<ErrorCode> = new Set(["conversation_ended", "not_found", "invalid_transition"]);

export interface OfferEntry {
  conversation_id: string;
  /** When the visitor started waiting: the assignment records the queue wait. */
  waiting_since: number;
}

export interface OfferResult extends ReserveBatchResult {
  /** Taken and assigned to this agent. */
  assigned: string[];
  /** Taken, but the conversation no longer waits in the group (it ended, or another agent has it); the slot is free again. */
  gone: string[];
  /** Taken, but the conversation did not answer or failed; the slot is free again and the group retries it later. */
  failed: string[];
}

/** A closed workstation may be a page reload: wait this long before taking the agent offline. */
export const OFFLINE_GRACE_MS = 15_000;
/** While online, shifts are re-checked this often so a shift's start and end reach the groups. */
const SHIFT_CHECK_MS = 60_000;
/**
 * Conversations the user most recently opened a socket on that deactivation must close. Nobody
 * keeps this many conversations open at once; older entries are dropped so the table stays small.
 */
export const WATCHED_LIMIT = 200;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS agent (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  profile TEXT NOT NULL,
  choice TEXT NOT NULL DEFAULT 'online',
  offline INTEGER NOT NULL DEFAULT 1,
  in_shift INTEGER NOT NULL DEFAULT 1,
  last_assigned_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS active (
  conversation_id TEXT PRIMARY KEY,
  group_id TEXT,
  assigned_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS watched (
  conversation_id TEXT PRIMARY KEY,
  opened_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deactivated (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  at INTEGER NOT NULL
);
`;

interface AgentRow {
  profile: AgentProfile;
  choice: "online" | "away";
  offline: boolean;
  in_shift: boolean;
  last_assigned_at: number;
}

/**
 * One per agent (and per supervisor): the authoritative count of the conversations they serve,
 * so their maximum holds across every skill group they belong to. Groups keep a cached view to
 * choose quickly; `reserve` here is the decision, taken one at a time by this object.
 */
export class AgentDO extends DurableObject<Env> {
  private row: AgentRow | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_TEXT, PONG_TEXT));
  }

  async configure(profile: AgentProfile): Promise<AgentStatus> {
    const sql = this.ctx.storage.sql;
    sql.exec(
      "INSERT INTO agent (singleton, profile) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET profile = excluded.profile",
      JSON.stringify(profile),
    );
    this.row = undefined;
    this.refreshShift();
    this.publish(null);
    return this.status();
  }

  async status(): Promise<AgentStatus> {
    return this.statusNow();
  }

  /** Takes one conversation if the agent is online, in shift and below their maximum. Idempotent per conversation. */
  async reserve(conversationId: string, groupId: string | null): Promise<ReserveResult> {
    const batch = this.take([conversationId], groupId);
    if (batch.accepted.length === 1) return { ok: true, slot: batch.slot!, agent: batch.agent! };
    return { ok: false, reason: batch.reason!, slot: batch.slot };
  }

  /**
   * A skill group's round: every conversation it offers this agent at once, taken in order while
   * the agent is online, in shift and below their maximum, and each taken one assigned to the
   * agent. One call per agent per round keeps the decision here (so an agent in several groups
   * stays within their maximum), and the call per conversation happens on the agent's object, not
   * the group's, which then does the same work per round whatever the number of conversations.
   * Idempotent per conversation.
   */
  async offer(entries: OfferEntry[], groupId: string): Promise<OfferResult> {
    const reserved = this.take(
      entries.map((e) => e.conversation_id),
      groupId,
    );
    const result: OfferResult = { ...reserved, assigned: [], gone: [], failed: [] };
    const row = this.load();
    if (!row || !reserved.agent || reserved.accepted.length === 0) return result;
    const agent = reserved.agent;
    const accepted = new Set(reserved.accepted);
    await Promise.all(
      entries
        .filter((e) => accepted.has(e.conversation_id))
        .map(async ({ conversation_id: id, waiting_since }) => {
          try {
            const assigned = (await conversationStub(this.env, row.profile.workspace_id, id).assign({
              agent,
              group_id: groupId,
              queue_wait_ms: Date.now() - waiting_since,
            })) as Result<{ state: string }>;
            if (assigned.ok) {
              result.assigned.push(id);
              return;
            }
            // No longer waiting in the group (it ended, or someone else has it): leaves the queue. Anything else is retried.
            if (GONE.has(assigned.error.code)) result.gone.push(id);
            else result.failed.push(id);
          } catch (err) {
            console.error(`conversation ${id} did not take its assignment to ${row.profile.user_id}; the group retries shortly`, err);
            result.failed.push(id);
          }
          await this.release(id);
        }),
    );
    result.slot = this.slot();
    return result;
  }

  /** The conversation no longer needs this agent (ended, transferred, requeued). */
  async release(conversationId: string): Promise<void> {
    const sql = this.ctx.storage.sql;
    const had = sql.exec("SELECT 1 FROM active WHERE conversation_id = ?", conversationId).toArray().length > 0;
    if (!had) return;
    sql.exec("DELETE FROM active WHERE conversation_id = ?", conversationId);
    this.broadcast({ type: "released", conversation_id: conversationId, at: Date.now() });
    this.publish(null);
  }

  /** A frame for the agent's workstation, e.g. an assistance request. */
  async notify(frame: AgentServerFrame): Promise<void> {
    this.broadcast(frame);
  }

  /**
   * The gateway accepted one of the user's sockets on a conversation (served, monitored or just
   * viewed): remember it so deactivation can close it. Called once per connection, never per
   * message. False when the user is already deactivated — the socket slipped in while another
   * isolate still trusted the session, and the caller closes it.
   */
  async watch(conversationId: string): Promise<boolean> {
    const sql = this.ctx.storage.sql;
    if (sql.exec("SELECT 1 FROM deactivated").toArray().length > 0) return false;
    sql.exec(
      "INSERT INTO watched (conversation_id, opened_at) VALUES (?, ?) ON CONFLICT (conversation_id) DO UPDATE SET opened_at = excluded.opened_at",
      conversationId,
      Date.now(),
    );
    if ((sql.exec("SELECT COUNT(*) AS n FROM watched").one().n as number) > WATCHED_LIMIT) {
      sql.exec("DELETE FROM watched WHERE conversation_id NOT IN (SELECT conversation_id FROM watched ORDER BY opened_at DESC LIMIT ?)", WATCHED_LIMIT);
    }
    return true;
  }

  /**
   * The user was deactivated: refuse later `watch`es, close the workstation, hand their
   * conversations back to the queue, and name every conversation they have (or had) a socket on
   * so the caller can close those sockets too. Idempotent.
   */
  async disconnect(reason: string): Promise<{ served: string[]; watched: string[] }> {
    const sql = this.ctx.storage.sql;
    const served = sql.exec("SELECT conversation_id FROM active").toArray().map((r) => r.conversation_id as string);
    const watched = sql.exec("SELECT conversation_id FROM watched").toArray().map((r) => r.conversation_id as string);
    this.ctx.storage.transactionSync(() => {
      sql.exec("INSERT INTO deactivated (singleton, at) VALUES (1, ?) ON CONFLICT (singleton) DO NOTHING", Date.now());
      sql.exec("DELETE FROM watched");
    });
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(4403, reason);
      } catch {
        // already closed
      }
    }
    if (this.load()) await this.goOffline();
    return { served, watched };
  }

  /** The user was reactivated: their new sessions may open sockets again. */
  async reactivate(): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM deactivated");
  }

  // ---- the workstation socket -----------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      const error = new SwitchboardError("upgrade_required", "this endpoint speaks WebSocket only");
      return Response.json(error.toBody(), { status: error.status });
    }
    if (this.ctx.storage.sql.exec("SELECT 1 FROM deactivated").toArray().length > 0) {
      // Another isolate may trust the revoked session for a few seconds more; this object does not.
      const error = new SwitchboardError("unauthorized", "the account is deactivated");
      return Response.json(error.toBody(), { status: error.status });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const wasOffline = this.presence() === "offline";
    this.ctx.storage.sql.exec("UPDATE agent SET offline = 0 WHERE singleton = 1");
    this.row = undefined;
    this.refreshShift();
    server.send(JSON.stringify({ type: "status", ...this.statusNow() } satisfies AgentServerFrame));
    if (wasOffline) this.publish(null);
    await this.ctx.storage.setAlarm(Date.now() + SHIFT_CHECK_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    let json: unknown;
    try {
      json = typeof message === "string" ? JSON.parse(message) : null;
    } catch {
      json = undefined;
    }
    const parsed = AgentClientFrame.safeParse(json);
    if (!parsed.success) {
      const detail = json === undefined ? "the frame is not valid JSON" : describeIssues(parsed.error).map((i) => `${i.path}: ${i.message}`).join("; ");
      ws.send(JSON.stringify({ type: "error", code: json === undefined ? "invalid_json" : "invalid_frame", message: detail } satisfies AgentServerFrame));
      return;
    }
    if (parsed.data.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" } satisfies AgentServerFrame));
      return;
    }
    this.ctx.storage.sql.exec("UPDATE agent SET choice = ? WHERE singleton = 1", parsed.data.status);
    this.row = undefined;
    this.publish(null);
    this.broadcast({ type: "status", ...this.statusNow() });
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
    if (this.openSockets(ws) === 0) await this.ctx.storage.setAlarm(Date.now() + OFFLINE_GRACE_MS);
  }

  override async alarm(): Promise<void> {
    if (!this.load()) return;
    if (this.openSockets(null) === 0) {
      await this.goOffline();
      return;
    }
    if (this.refreshShift()) this.publish(null);
    await this.ctx.storage.setAlarm(Date.now() + SHIFT_CHECK_MS);
  }

  // ---- internals ------------------------------------------------------------------------------

  private take(conversationIds: string[], groupId: string | null): ReserveBatchResult {
    const row = this.load();
    if (!row) return { accepted: [], reason: "unknown", slot: null, agent: null };
    const sql = this.ctx.storage.sql;
    const presence = this.presence();
    let load = this.activeCount();
    const accepted: string[] = [];
    const at = Date.now();
    let reason: ReserveBatchResult["reason"] = null;
    let taken = 0;
    for (const conversationId of conversationIds) {
      if (sql.exec("SELECT 1 FROM active WHERE conversation_id = ?", conversationId).toArray().length > 0) {
        accepted.push(conversationId);
        continue;
      }
      reason = presence !== "online" ? presence : !row.in_shift ? "off_shift" : load >= row.profile.max_concurrent ? "full" : null;
      if (reason) continue;
      sql.exec("INSERT INTO active (conversation_id, group_id, assigned_at) VALUES (?, ?, ?)", conversationId, groupId, at);
      load += 1;
      taken += 1;
      accepted.push(conversationId);
      this.broadcast({ type: "assigned", conversation_id: conversationId, group_id: groupId, at });
    }
    if (taken > 0) {
      sql.exec("UPDATE agent SET last_assigned_at = ? WHERE singleton = 1", at);
      row.last_assigned_at = at;
      // The reserving group already counts these; the agent's other groups learn it now.
      this.publish(groupId);
    }
    return { accepted, reason, slot: this.slot(), agent: this.actor() };
  }

  /** Nobody at the workstation: mark offline and hand every open conversation back to its queue. */
  private async goOffline(): Promise<void> {
    const row = this.load()!;
    if (row.offline) return;
    this.ctx.storage.sql.exec("UPDATE agent SET offline = 1 WHERE singleton = 1");
    row.offline = true;
    this.publish(null);
    const open = this.ctx.storage.sql.exec("SELECT conversation_id FROM active").toArray();
    await Promise.all(
      open.map(async ({ conversation_id }) => {
        try {
          await conversationStub(this.env, row.profile.workspace_id, conversation_id as string).requeueFromAgent(row.profile.user_id);
        } catch (err) {
          console.error(`requeue of ${conversation_id} after ${row.profile.user_id} went offline failed`, err);
        }
      }),
    );
  }

  private load(): AgentRow | null {
    if (this.row === undefined) {
      const r = this.ctx.storage.sql.exec("SELECT * FROM agent WHERE singleton = 1").toArray()[0];
      this.row = r
        ? {
            profile: JSON.parse(r.profile as string) as AgentProfile,
            choice: r.choice as "online" | "away",
            offline: r.offline === 1,
            in_shift: r.in_shift === 1,
            last_assigned_at: r.last_assigned_at as number,
          }
        : null;
    }
    return this.row;
  }

  /** Re-reads the shift; true when in-shift changed. */
  private refreshShift(): boolean {
    const row = this.load();
    if (!row) return false;
    const inShift = row.profile.shift ? scheduleOpen(row.profile.shift, Date.now(), row.profile.timezone).open : true;
    if (inShift === row.in_shift) return false;
    this.ctx.storage.sql.exec("UPDATE agent SET in_shift = ? WHERE singleton = 1", inShift ? 1 : 0);
    row.in_shift = inShift;
    return true;
  }

  private presence(): Presence {
    const row = this.load();
    if (!row || row.offline) return "offline";
    return row.choice;
  }

  private activeCount(): number {
    return this.ctx.storage.sql.exec("SELECT COUNT(*) AS n FROM active").one().n as number;
  }

  private openSockets(closing: WebSocket | null): number {
    return this.ctx.getWebSockets().filter((ws) => ws !== closing && ws.readyState === WebSocket.OPEN).length;
  }

  /** How the agent appears on conversations: admins and supervisors act as supervisors. */
  private actor(): Actor {
    const p = this.load()!.profile;
    return { role: p.role === "agent" ? "agent" : "supervisor", id: p.user_id, name: p.name };
  }

  private slot(): AgentSlot {
    const row = this.load()!;
    return {
      user_id: row.profile.user_id,
      presence: this.presence(),
      load: this.activeCount(),
      max_concurrent: row.profile.max_concurrent,
      last_assigned_at: row.last_assigned_at,
      in_shift: row.in_shift,
    };
  }

  private statusNow(): AgentStatus {
    const row = this.load();
    const conversations = this.ctx.storage.sql
      .exec("SELECT conversation_id, group_id, assigned_at FROM active ORDER BY assigned_at")
      .toArray()
      .map((r) => ({ conversation_id: r.conversation_id as string, group_id: (r.group_id as string | null) ?? null, assigned_at: r.assigned_at as number }));
    return {
      presence: this.presence(),
      in_shift: row?.in_shift ?? false,
      load: conversations.length,
      max_concurrent: row?.profile.max_concurrent ?? 0,
      conversations,
    };
  }

  /** Tells the agent's groups (but `except`) what it can take now; they cache it to choose quickly. */
  private publish(except: string | null): void {
    const row = this.load();
    if (!row) return;
    const slot = this.slot();
    for (const groupId of row.profile.groups) {
      if (groupId === except) continue;
      this.ctx.waitUntil(
        groupStub(this.env, row.profile.workspace_id, groupId)
          .agentChanged(slot)
          .catch((err: unknown) => console.error(`could not tell group ${groupId} about ${slot.user_id}`, err)),
      );
    }
  }

  private broadcast(frame: AgentServerFrame): void {
    const text = JSON.stringify(frame);
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(text);
      } catch {
        // closing
      }
    }
  }
}
