import { DurableObject } from "cloudflare:workers";
import type { Actor, QueueStatus, UserRole } from "../../src/model/index.ts";
import { database } from "../db.ts";
import { groupConfig } from "../directory/routing-config.ts";
import {
  type AgentSlot,
  type AssignmentPolicy,
  estimateWait,
  ewma,
  hasCapacity,
  pickAgent,
  positionPush,
  type PushedPosition,
  WaitingQueue,
  type WaitingEntry,
} from "../../src/routing/index.ts";
import type { Env } from "../env.ts";
import type { OfferResult } from "../agent/agent-do.ts";
import { agentStub, conversationStub } from "../stubs.ts";

export interface GroupMember {
  user_id: string;
  name: string;
  role: UserRole;
}

export interface GroupConfig {
  workspace_id: string;
  group_id: string;
  name: string;
  policy: AssignmentPolicy;
  requeue: "front" | "back";
  members: GroupMember[];
}

export interface EnqueueRequest {
  /** The group's identity, so a group never configured yet can load itself from D1. */
  workspace_id: string;
  group_id: string;
  conversation_id: string;
  priority: number;
  overflow?: { after_seconds: number; group?: string | undefined } | null;
  /** A conversation coming back (its agent went offline): goes to the front if the group says so. */
  requeue?: boolean;
  /** When the visitor started waiting, kept across overflows so the wait is measured whole. */
  waiting_since?: number;
}

export type { QueueStatus };

export interface GroupStats {
  group_id: string;
  waiting: number;
  available_agents: number;
  agents: AgentSlot[];
  assigned: number;
  abandoned: number;
  overflowed: number;
  mean_assign_interval_ms: number | null;
}

/**
 * Most conversations one assignment round pairs with agents. A round makes one call per agent it
 * uses (`offer`, however many conversations it offers them; the agent's object assigns what it
 * takes) and writes its queue changes in one transaction, so the group's work per round does not
 * grow with the conversations it assigns — no call and no commit of its own per conversation.
 */
const ROUND_MAX = 500;
/** How often waiting visitors' positions are refreshed while the queue moves. */
const POSITION_TICK_MS = 1000;
/** Position pushes per tick at most (which visitor is told when: `positionPush`). */
const MAX_PUSHES_PER_TICK = 250;
/** A conversation that failed to take an assignment is retried after this. */
const COOL_DOWN_MS = 2000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS config (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  body TEXT NOT NULL,
  rr_cursor TEXT,
  mean_interval_ms REAL,
  last_assigned_at INTEGER,
  assigned INTEGER NOT NULL DEFAULT 0,
  abandoned INTEGER NOT NULL DEFAULT 0,
  overflowed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS agents (
  user_id TEXT PRIMARY KEY,
  presence TEXT NOT NULL,
  load INTEGER NOT NULL,
  max_concurrent INTEGER NOT NULL,
  last_assigned_at INTEGER NOT NULL,
  in_shift INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queue (
  conversation_id TEXT PRIMARY KEY,
  priority INTEGER NOT NULL,
  ord INTEGER NOT NULL,
  waiting_since INTEGER NOT NULL,
  overflow_at INTEGER,
  overflow_group TEXT
);
-- The serving order is kept in memory (WaitingQueue); an index for it would only cost every insert.
DROP INDEX IF EXISTS queue_order;
CREATE INDEX IF NOT EXISTS queue_overflow ON queue (overflow_at) WHERE overflow_at IS NOT NULL;
`;

/**
 * One skill group (技能组): its waiting queue (priority, then arrival), its members' presence and
 * load as last reported by their agent objects, and the assignment loop. The loop offers the head
 * of the queue to the agent its policy picks; the agent's own object accepts or refuses, which is
 * what keeps an agent in several groups within their maximum.
 */
export class SkillGroupDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private config: GroupConfig | null | undefined;
  private agents: Map<string, AgentSlot> | undefined;
  private readonly inFlight = new Set<string>();
  private pumping = false;
  private pumpAgain = false;
  /** The running assignment loop, so a caller that finds it running can wait for it to finish. */
  private pumped: Promise<void> = Promise.resolve();
  private positionsDirty = false;
  private alarmAt: number | null = null;
  /** The queue in serving order, loaded once per object lifetime: no query per enqueue, round or position. */
  private waiting: WaitingQueue | undefined;
  /** The position each waiting visitor was last told, and when; lost on a restart, which only re-sends them. */
  private readonly pushed = new Map<string, PushedPosition>();
  /** The assignment statistics positions are estimated from, loaded once and then kept up to date. */
  private pace: { mean_interval_ms: number | null; last_assigned_at: number | null } | undefined;
  private rrCursor: string | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  async configure(config: GroupConfig): Promise<void> {
    this.sql.exec(
      "INSERT INTO config (singleton, body) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET body = excluded.body",
      JSON.stringify(config),
    );
    this.config = config;
    const members = new Set(config.members.map((m) => m.user_id));
    for (const id of this.agentMap().keys()) {
      if (!members.has(id)) {
        this.sql.exec("DELETE FROM agents WHERE user_id = ?", id);
        this.agentMap().delete(id);
      }
    }
    this.schedulePump();
  }

  /** Queues a conversation (idempotent) and starts assigning; answers with its place in the queue. */
  async enqueue(request: EnqueueRequest): Promise<QueueStatus> {
    const config = (this.config ?? this.loadConfig()) ?? (await this.configureFromDirectory(request.workspace_id, request.group_id));
    const now = Date.now();
    const queue = this.queue();
    if (!queue.get(request.conversation_id)) {
      const front = request.requeue === true && config.requeue === "front";
      const entry = queue.add(request.conversation_id, request.priority, request.waiting_since ?? now, front);
      try {
        this.sql.exec(
          "INSERT INTO queue (conversation_id, priority, ord, waiting_since, overflow_at, overflow_group) VALUES (?, ?, ?, ?, ?, ?)",
          entry.conversation_id,
          entry.priority,
          entry.ord,
          entry.waiting_since,
          request.overflow ? now + request.overflow.after_seconds * 1000 : null,
          request.overflow?.group ?? null,
        );
      } catch (err) {
        queue.remove(entry.conversation_id);
        throw err;
      }
      // Newest at its priority (or first, at the front): its place follows from the counts alone.
      const ahead = queue.countAbove(request.priority) + (front ? 0 : queue.countAt(request.priority) - 1);
      // Only those now behind it moved; appended at the very back, nobody did.
      if (ahead + 1 < queue.size) this.positionsDirty = true;
      if (this.positionsDirty || request.overflow) this.armAlarm(this.nextAlarmAt(now));
      this.schedulePump();
      // The answer tells the conversation its place: the next tick pushes it only once it moves.
      this.pushed.set(entry.conversation_id, { position: ahead + 1, at: now });
      return this.status(config, ahead);
    }
    this.schedulePump();
    return this.statusOf(request.conversation_id)!;
  }

  /** Takes a conversation out of the queue; `abandoned` counts a visitor who gave up waiting. */
  async dequeue(conversationId: string, reason: "abandoned" | "moved"): Promise<boolean> {
    const removed = this.removeFromQueue(conversationId);
    if (removed && reason === "abandoned") this.sql.exec("UPDATE config SET abandoned = abandoned + 1 WHERE singleton = 1");
    if (removed) this.armAlarm(Date.now() + POSITION_TICK_MS);
    return removed;
  }

  async position(conversationId: string): Promise<QueueStatus | null> {
    return this.statusOf(conversationId);
  }

  /** The head of the queue in serving order (at most `limit`), and how many wait in all. */
  async head(limit: number): Promise<{ waiting: number; entries: Array<{ conversation_id: string; position: number; priority: number; waiting_since: number }> }> {
    const entries: Array<{ conversation_id: string; position: number; priority: number; waiting_since: number }> = [];
    for (const e of this.queue().inOrder()) {
      if (entries.length >= limit) break;
      entries.push({ conversation_id: e.conversation_id, position: entries.length + 1, priority: e.priority, waiting_since: e.waiting_since });
    }
    return { waiting: this.queue().size, entries };
  }

  /** An agent object reporting presence, shift and load. */
  async agentChanged(slot: AgentSlot): Promise<void> {
    const config = this.config ?? this.loadConfig();
    if (config && !config.members.some((m) => m.user_id === slot.user_id)) return;
    this.saveAgent(slot);
    if (hasCapacity(slot)) this.schedulePump();
  }

  async stats(): Promise<GroupStats> {
    const row = this.sql.exec("SELECT * FROM config WHERE singleton = 1").toArray()[0];
    const agents = [...this.agentMap().values()];
    return {
      group_id: this.config?.group_id ?? this.loadConfig()?.group_id ?? "",
      waiting: this.queue().size,
      available_agents: agents.filter(hasCapacity).length,
      agents,
      assigned: (row?.assigned as number) ?? 0,
      abandoned: (row?.abandoned as number) ?? 0,
      overflowed: (row?.overflowed as number) ?? 0,
      mean_assign_interval_ms: (row?.mean_interval_ms as number | null) ?? null,
    };
  }

  /** Tells the group's supervisors (and admins) that an agent asks for help. */
  async requestAssist(request: { conversation_id: string; by: Actor; note?: string }): Promise<number> {
    const config = this.requireConfig();
    const supervisors = config.members.filter((m) => m.role !== "agent");
    await Promise.all(
      supervisors.map((m) =>
        agentStub(this.env, config.workspace_id, m.user_id).notify({
          type: "assist_requested",
          conversation_id: request.conversation_id,
          group_id: config.group_id,
          by: request.by,
          ...(request.note ? { note: request.note } : {}),
          at: Date.now(),
        }),
      ),
    );
    return supervisors.length;
  }

  /** Runs the assignment loop to completion; for tests and the benchmark, which need to know when it is idle. */
  async drain(): Promise<void> {
    await this.pump();
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    for (const [id, until] of this.coolingDown) if (until <= now) this.coolingDown.delete(id);
    await this.overflowDue(now);
    this.schedulePump();
    if (this.positionsDirty) this.pushPositions();
    const next = this.nextAlarmAt(now);
    if (next !== null) this.armAlarm(next);
  }

  // ---- assignment -------------------------------------------------------------------------------

  private schedulePump(): void {
    this.ctx.waitUntil(this.pump());
  }

  /**
   * Runs the assignment loop, or — when it is already running — asks it for one more round and
   * resolves when it ends, so awaiting this always means "no assignment in flight".
   */
  private pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumped;
    }
    this.pumping = true;
    this.pumped = this.pumpLoop();
    return this.pumped;
  }

  private async pumpLoop(): Promise<void> {
    try {
      do {
        this.pumpAgain = false;
        for (let round = this.plan(); round.size > 0; round = this.plan()) await this.runRound(round);
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Pairs queue heads, in queue order, with the agents the policy picks, counting each pairing
   * against the agent so one round cannot overfill anyone; grouped by agent.
   */
  private plan(): Map<string, { agent: AgentSlot; entries: WaitingEntry[] }> {
    const config = this.config ?? this.loadConfig();
    const round = new Map<string, { agent: AgentSlot; entries: WaitingEntry[] }>();
    if (!config) return round;
    const now = Date.now();
    let cursor = this.roundRobinCursor();
    let paired = 0;
    // Built at the first conversation to pair: the loop's last look at the queue usually finds none.
    let pool: AgentSlot[] | undefined;
    for (const entry of this.queue().inOrder()) {
      if (paired >= ROUND_MAX) break;
      if (this.inFlight.has(entry.conversation_id) || (this.coolingDown.get(entry.conversation_id) ?? 0) > now) continue;
      pool ??= [...this.agentMap().values()].filter(hasCapacity).map((a) => ({ ...a }));
      const agent = pickAgent(pool, config.policy, cursor);
      if (!agent) break;
      agent.load += 1;
      agent.last_assigned_at = now;
      cursor = agent.user_id;
      this.inFlight.add(entry.conversation_id);
      const slot = round.get(agent.user_id) ?? { agent, entries: [] };
      slot.entries.push(entry);
      round.set(agent.user_id, slot);
      paired += 1;
    }
    // Only round-robin reads the cursor back.
    if (paired > 0 && config.policy === "round_robin" && cursor !== this.rrCursor) {
      this.rrCursor = cursor;
      this.sql.exec("UPDATE config SET rr_cursor = ? WHERE singleton = 1", cursor);
    }
    return round;
  }

  /** Conversations whose assignment failed for a reason of their own: left alone until then. */
  private readonly coolingDown = new Map<string, number>();

  /** One round: an offer per agent (whose object assigns what it takes), one commit for the queue. */
  private async runRound(round: Map<string, { agent: AgentSlot; entries: WaitingEntry[] }>): Promise<void> {
    const assigned: string[] = [];
    const gone: string[] = [];
    try {
      await Promise.all([...round.values()].map(({ agent, entries }) => this.offer(agent, entries, assigned, gone)));
    } finally {
      const now = Date.now();
      for (const { entries } of round.values()) for (const e of entries) this.inFlight.delete(e.conversation_id);
      try {
        this.ctx.storage.transactionSync(() => this.recordRound(round, assigned, gone, now));
      } catch (err) {
        // Rolled back in SQLite: what memory holds is reloaded from it on next use.
        this.waiting = undefined;
        this.pace = undefined;
        throw err;
      }
      if (assigned.length + gone.length > 0) this.armAlarm(now + POSITION_TICK_MS);
    }
  }

  /** A round's queue deletions, its members' loads and its counters: inside one transaction. */
  private recordRound(round: Map<string, { agent: AgentSlot; entries: WaitingEntry[] }>, assigned: string[], gone: string[], now: number): void {
    for (const id of [...assigned, ...gone]) this.removeFromQueue(id);
    for (const { agent } of round.values()) {
      const slot = this.agentMap().get(agent.user_id);
      if (slot) this.saveAgent(slot);
    }
    if (assigned.length > 0) {
      const pace = this.assignmentPace();
      const last = pace.last_assigned_at;
      let mean = pace.mean_interval_ms;
      // The round's assignments share the time since the last one.
      if (last !== null) for (let i = 0; i < Math.min(assigned.length, 50); i++) mean = ewma(mean, (now - last) / assigned.length);
      this.pace = { mean_interval_ms: mean, last_assigned_at: now };
      this.sql.exec(
        "UPDATE config SET assigned = assigned + ?, last_assigned_at = ?, mean_interval_ms = ? WHERE singleton = 1",
        assigned.length,
        now,
        mean,
      );
    }
  }

  /**
   * Offers an agent this round's conversations for them: their object takes what fits and assigns
   * each taken conversation. `assigned` and `gone` collect what leaves the queue.
   */
  private async offer(agent: AgentSlot, entries: WaitingEntry[], assigned: string[], gone: string[]): Promise<void> {
    const config = this.requireConfig();
    let result: OfferResult;
    try {
      result = await agentStub(this.env, config.workspace_id, agent.user_id).offer(
        entries.map((e) => ({ conversation_id: e.conversation_id, waiting_since: e.waiting_since })),
        config.group_id,
      );
    } catch (err) {
      // Unknown state: stop offering to this agent until their object reports again, and leave its
      // conversations alone for a while — some may have been assigned before the answer was lost
      // (offered again later, they answer that they no longer wait, and leave the queue).
      console.error(`agent ${agent.user_id} did not answer an offer`, err);
      this.agentMap().set(agent.user_id, { ...agent, load: agent.load - entries.length, presence: "offline" });
      this.coolDown(entries.map((e) => e.conversation_id));
      return;
    }
    this.agentMap().set(agent.user_id, result.slot ?? { ...agent, load: agent.load - entries.length, presence: "offline" });
    if (result.accepted.length < entries.length) this.pumpAgain = true;
    assigned.push(...result.assigned);
    gone.push(...result.gone);
    this.coolDown(result.failed);
  }

  private coolDown(conversationIds: string[]): void {
    if (conversationIds.length === 0) return;
    const until = Date.now() + COOL_DOWN_MS;
    for (const id of conversationIds) this.coolingDown.set(id, until);
    this.armAlarm(until);
  }

  // ---- overflow and positions ---------------------------------------------------------------------

  private async overflowDue(now: number): Promise<void> {
    const config = this.config ?? this.loadConfig();
    if (!config) return;
    const due = this.sql
      .exec("SELECT conversation_id, overflow_group, priority, waiting_since FROM queue WHERE overflow_at <= ? LIMIT 100", now)
      .toArray();
    for (const row of due) {
      const id = row.conversation_id as string;
      if (this.inFlight.has(id)) continue;
      try {
        await conversationStub(this.env, config.workspace_id, id).overflow({
          from_group: config.group_id,
          to_group: (row.overflow_group as string | null) ?? null,
          priority: row.priority as number,
          waiting_since: row.waiting_since as number,
        });
        this.removeFromQueue(id);
        this.sql.exec("UPDATE config SET overflowed = overflowed + 1 WHERE singleton = 1");
      } catch (err) {
        console.error(`overflow of ${id} failed; retrying on the next tick`, err);
      }
    }
  }

  /**
   * One ordered pass over the queue, pushing positions that changed. Pushes are bounded per tick,
   * and far-back positions are only pushed on a 10% change and at most every 15 s per visitor, so
   * the cost per assignment stays flat as the queue grows; the in-memory scan is the only part
   * that grows, once per second at most.
   */
  private pushPositions(): void {
    const config = this.config ?? this.loadConfig();
    if (!config) return;
    this.positionsDirty = false;
    const waiting = this.queue().size;
    const mean = this.assignmentPace().mean_interval_ms;
    const now = Date.now();
    let position = 0;
    let pushes = 0;
    for (const { conversation_id: id } of this.queue().inOrder()) {
      position += 1;
      const push = positionPush(this.pushed.get(id), position, now);
      if (push === "no") continue;
      if (push === "later") {
        this.positionsDirty = true;
        continue;
      }
      if (pushes >= MAX_PUSHES_PER_TICK) {
        this.positionsDirty = true;
        break;
      }
      pushes += 1;
      this.pushed.set(id, { position, at: now });
      const status: QueueStatus = { group_id: config.group_id, position, waiting, estimated_wait_seconds: estimateWait(position, mean) };
      this.ctx.waitUntil(
        conversationStub(this.env, config.workspace_id, id)
          .queueStatus(status)
          .catch((err: unknown) => console.warn(`queue position for ${id} not delivered`, err)),
      );
    }
  }

  private nextAlarmAt(now: number): number | null {
    const overflow = this.sql.exec("SELECT MIN(overflow_at) AS t FROM queue WHERE overflow_at IS NOT NULL").one().t as number | null;
    const positions = this.positionsDirty ? now + POSITION_TICK_MS : null;
    if (overflow === null) return positions;
    return positions === null ? overflow : Math.min(overflow, positions);
  }

  private armAlarm(at: number | null): void {
    if (at === null || (this.alarmAt !== null && this.alarmAt <= at)) return;
    this.alarmAt = at;
    this.ctx.waitUntil(this.ctx.storage.setAlarm(at));
  }

  // ---- state ----------------------------------------------------------------------------------------

  private statusOf(conversationId: string): QueueStatus | null {
    const config = this.config ?? this.loadConfig();
    const position = this.queue().positionOf(conversationId);
    return config && position !== null ? this.status(config, position - 1) : null;
  }

  private status(config: GroupConfig, ahead: number): QueueStatus {
    const mean = this.assignmentPace().mean_interval_ms;
    return { group_id: config.group_id, position: ahead + 1, waiting: this.queue().size, estimated_wait_seconds: estimateWait(ahead + 1, mean) };
  }

  private queue(): WaitingQueue {
    this.waiting ??= WaitingQueue.from(
      this.sql.exec("SELECT conversation_id, priority, ord, waiting_since FROM queue").toArray() as unknown as WaitingEntry[],
    );
    return this.waiting;
  }

  private assignmentPace(): { mean_interval_ms: number | null; last_assigned_at: number | null } {
    if (!this.pace) {
      const row = this.sql.exec("SELECT mean_interval_ms, last_assigned_at FROM config WHERE singleton = 1").toArray()[0];
      this.pace = { mean_interval_ms: (row?.mean_interval_ms as number | null) ?? null, last_assigned_at: (row?.last_assigned_at as number | null) ?? null };
    }
    return this.pace;
  }

  private roundRobinCursor(): string | null {
    if (this.rrCursor === undefined) this.rrCursor = (this.sql.exec("SELECT rr_cursor FROM config WHERE singleton = 1").toArray()[0]?.rr_cursor as string | null) ?? null;
    return this.rrCursor;
  }

  /** Deletes a queue entry; true when it was there. */
  private removeFromQueue(conversationId: string): boolean {
    if (!this.queue().remove(conversationId)) return false;
    this.sql.exec("DELETE FROM queue WHERE conversation_id = ?", conversationId);
    this.pushed.delete(conversationId);
    this.positionsDirty = true;
    return true;
  }

  private requireConfig(): GroupConfig {
    const config = this.config ?? this.loadConfig();
    if (!config) throw new Error("skill group is not configured");
    return config;
  }

  private async configureFromDirectory(workspaceId: string, groupId: string): Promise<GroupConfig> {
    const config = await groupConfig(database(this.env.DB), workspaceId, groupId);
    if (!config) throw new Error(`no skill group ${groupId} in workspace ${workspaceId}`);
    await this.configure(config);
    return config;
  }

  private loadConfig(): GroupConfig | null {
    const row = this.sql.exec("SELECT body FROM config WHERE singleton = 1").toArray()[0];
    this.config = row ? (JSON.parse(row.body as string) as GroupConfig) : null;
    return this.config;
  }

  private agentMap(): Map<string, AgentSlot> {
    if (!this.agents) {
      this.agents = new Map();
      for (const r of this.sql.exec("SELECT * FROM agents")) {
        this.agents.set(r.user_id as string, {
          user_id: r.user_id as string,
          presence: r.presence as AgentSlot["presence"],
          load: r.load as number,
          max_concurrent: r.max_concurrent as number,
          last_assigned_at: r.last_assigned_at as number,
          in_shift: r.in_shift === 1,
        });
      }
    }
    return this.agents;
  }

  private saveAgent(slot: AgentSlot): void {
    this.sql.exec(
      `INSERT INTO agents (user_id, presence, load, max_concurrent, last_assigned_at, in_shift) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET presence = excluded.presence, load = excluded.load, max_concurrent = excluded.max_concurrent,
         last_assigned_at = excluded.last_assigned_at, in_shift = excluded.in_shift`,
      slot.user_id,
      slot.presence,
      slot.load,
      slot.max_concurrent,
      slot.last_assigned_at,
      slot.in_shift ? 1 : 0,
    );
    this.agentMap().set(slot.user_id, slot);
  }
}
