import { DurableObject } from "cloudflare:workers";
import {
  assertAcceptsMessages,
  assertMaySend,
  assertTransition,
  canSee,
  clientMsgIdOf,
  deliveryStatus,
  isStaff,
  parseClientFrame,
} from "../../src/conversation/index.ts";
import type {
  Ack,
  ConversationState,
  Actor,
  ConversationContext,
  ConversationEvent,
  ConversationSnapshot,
  EventsQuery,
  EventsResponse,
  NewEvent,
  Participant,
  PostMessageBody,
  ReceiptBody,
  RoutingView,
  ServerFrame,
  StateChangeBody,
  TransferTarget,
} from "../../src/model/index.ts";
import { LIMITS, PING_TEXT, PONG_TEXT, SwitchboardError, newId, type TicketPriority } from "../../src/model/index.ts";
import { database } from "../db.ts";
import { groupExists } from "../directory/routing-config.ts";
import type { Env } from "../env.ts";
import { route, type RoutingOutcome } from "../routing/router.ts";
import type { QueueStatus as GroupQueueStatus } from "../skill-group/skill-group-do.ts";
import { agentStub, groupStub } from "../stubs.ts";
import { evictIfEnabled } from "../faults/inject.ts";
import { ARCHIVE_BACKSTOP_MS, deferredFlush, flushAfterAppend, flushOutbox, type SendBatch } from "./archive-outbox.ts";
import type { ChannelBinding } from "../../src/channels/index.ts";
import { deliverOutbound } from "../channels/outbound.ts";
import { ChannelOutbox, type ChannelStatus } from "./channel-outbox.ts";
import { type ConnectionState, Connections } from "./connections.ts";
import { asSwitchboardError, CALLER_HEADER, type Caller, type Result, toResult } from "./rpc.ts";
import { assertCanRate, RATING_WINDOW } from "../../src/conversation/rating.ts";
import type { RateBody } from "../../src/model/rating.ts";
import { type ConversationRecord, ConversationStore, type RoutingRecord } from "./store.ts";

export interface ConversationInit {
  workspace_id: string;
  conversation_id: string;
  contact: Actor;
  context: ConversationContext;
}

function authorOf(event: ConversationEvent): string | undefined {
  switch (event.type) {
    case "message":
      return event.sender.id;
    case "state_changed":
      return event.by.id;
    case "participant_joined":
    case "participant_left":
      return event.participant.id;
    case "conversation_started":
      return event.contact.id;
    case "assigned":
      return event.agent.id;
    case "transferred":
    case "assist_requested":
    case "ticket_linked":
      return event.by.id;
    case "routed":
    case "rerouted":
      return SYSTEM.id;
  }
}

interface PendingMessage {
  actor: Actor;
  body: PostMessageBody;
  /** The socket it came from (none over HTTP): it gets the ack, not the event. */
  origin: WebSocket | null;
  settle: (result: Result<Ack>) => void;
  /** Re-sends that arrived before it was stored: answered with its ack, marked duplicate. */
  duplicates: Array<(result: Result<Ack>) => void>;
}

/** The author of what routing does on its own: state changes and queue moves. */
const SYSTEM: Actor = { role: "system", id: "system", name: "Switchboard" };
/** The author of routing's automatic replies. */
const BOT: Actor = { role: "bot", id: "bot", name: "Switchboard" };
/** How long a routing decision that failed (D1 or a group unreachable) waits before it is tried again. */
const ROUTING_RETRY_MS = 5000;
/**
 * A message arriving this soon after the last store waits one macrotask so that others queued
 * behind it share one commit (each commit is a disk sync locally, a replicated write in production).
 */
const GROUP_COMMIT_IDLE_MS = 2;

/**
 * One conversation: its ordered, deduplicated event log, its participants and their delivery
 * progress, its state, and every socket open on it. All writes for one client action happen in
 * one synchronous transaction before anything is sent, so what a client was told was stored is.
 */
export class ConversationDO extends DurableObject<Env> {
  private readonly store: ConversationStore;
  private readonly connections: Connections;
  private readonly channel: ChannelOutbox;
  private readonly waiters = new Set<() => void>();
  /** When the alarm is set for, as far as this instance knows; null after a wake-up or once it ran. */
  private alarmAt: number | null = null;
  private routingInFlight = false;
  /** Messages accepted but not yet stored: written together by `flushPending`, in arrival order. */
  private pending: PendingMessage[] = [];
  private readonly pendingById = new Map<string, PendingMessage>();
  private flushScheduled = false;
  private lastFlushAt = 0;
  /** The in-memory timer of the next archive hand-over; the alarm is its durable backstop. */
  private archiveTimer: { at: number; timer: ReturnType<typeof setTimeout> } | null = null;
  /** When the oldest event not yet handed over (the opening aside) was stored, as far as this instance knows. */
  private archiveWaitingSince: number | null = null;
  /** The hand-over in progress: one at a time, so no batch leaves twice or out of order. */
  private archiveFlush: Promise<number | null> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new ConversationStore(ctx.storage);
    this.connections = new Connections(ctx);
    this.channel = new ChannelOutbox(ctx.storage);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_TEXT, PONG_TEXT));
  }

  // ---- RPC for the gateway ------------------------------------------------------------------

  /** Starts the conversation; calling it again with the same identity returns the same conversation. */
  async create(init: ConversationInit): Promise<Result<ConversationSnapshot>> {
    return toResult(() => {
      const existing = this.store.get();
      if (existing) {
        if (existing.conversation_id !== init.conversation_id || existing.workspace_id !== init.workspace_id) {
          throw new SwitchboardError("invalid_request", "this conversation object already holds another conversation");
        }
        return this.snapshotOf(existing, init.contact);
      }
      const at = Date.now();
      const events = this.store.transaction(() => {
        this.store.create({ ...init, state: "queued", created_at: at });
        this.store.addParticipant(init.contact, at, 0);
        return [
          this.appendEvent({
            type: "conversation_started",
            visibility: "public",
            workspace_id: init.workspace_id,
            conversation_id: init.conversation_id,
            contact: init.contact,
            context: init.context,
          }, at),
        ];
      });
      this.afterAppend(events);
      return this.snapshotOf(this.store.get()!, init.contact);
    });
  }

  async snapshot(caller: Caller): Promise<Result<ConversationSnapshot>> {
    return toResult(() => this.snapshotOf(this.authorize(caller), caller.actor));
  }

  async postMessage(caller: Caller, body: PostMessageBody): Promise<Result<Ack>> {
    return new Promise((settle) => {
      const accepted = toResult(() => {
        const record = this.authorize(caller);
        this.assertAddressed(record, body.conversation_id);
        this.submitMessage(caller.actor, body, null, settle);
      });
      if (!accepted.ok) settle(accepted);
    });
  }

  /** A message from a server-side channel (WeChat, email, API): remembers where replies go, then posts it. */
  async postFromChannel(caller: Caller, body: PostMessageBody, binding: ChannelBinding): Promise<Result<Ack>> {
    const bound = toResult(() => {
      this.authorize(caller);
      this.channel.bind(binding, Date.now(), this.store.headSeq());
    });
    return bound.ok ? this.postMessage(caller, body) : bound;
  }

  /**
   * A leave-a-message conversation (a form): the rules decide its skill group, which is recorded;
   * it stays offline, for that group to answer, instead of joining a live queue.
   */
  async routeOffline(firstMessage: string): Promise<Result<RoutingView>> {
    try {
      const record = this.store.get();
      if (!record) throw new SwitchboardError("not_found", "no such conversation");
      const outcome = await route(this.env, { workspace_id: record.workspace_id, context: record.context, contact_tags: record.context.tags ?? [], first_message: firstMessage });
      if (outcome) {
        const target = outcome.target;
        this.commit((at) => [
          this.appendEvent({ type: "routed", visibility: "internal", version: outcome.version, decided_by: outcome.decided_by, target, intent: outcome.intent }, at),
        ]);
        const group = target.kind === "group" ? target.group : target.kind === "offline" ? null : (target.fallback_group ?? null);
        this.store.setRouting({ status: "offline", group_id: group, priority: target.kind === "offline" ? 50 : target.priority, retry_at: null });
      }
      return { ok: true, value: this.routingView(this.store.routing(), true) };
    } catch (err) {
      return { ok: false, error: asSwitchboardError(err).toBody().error };
    }
  }

  /** Where the conversation's replies go and how their delivery stands; null for widget conversations. */
  async channelStatus(caller: Caller): Promise<Result<ChannelStatus | null>> {
    return toResult(() => {
      this.authorize(caller);
      return this.channel.status();
    });
  }

  async postReceipt(caller: Caller, body: ReceiptBody): Promise<Result<{ participants: Participant[] }>> {
    return toResult(() => {
      const record = this.authorize(caller);
      this.assertAddressed(record, body.conversation_id);
      this.applyReceipt(caller.actor, body.status, body.up_to_seq);
      return { participants: [...this.store.participants().values()] };
    });
  }

  async changeState(caller: Caller, body: StateChangeBody): Promise<Result<ConversationSnapshot>> {
    return toResult(() => {
      const record = this.authorize(caller);
      this.assertAddressed(record, body.conversation_id);
      this.applyStateChange(caller.actor, body.to, body.reason);
      return this.snapshotOf(record, caller.actor);
    });
  }

  /** The visitor's satisfaction rating: once, after the end, as a `rated` event (src/conversation/rating.ts). */
  async rate(caller: Caller, body: RateBody): Promise<Result<{ seq: number; at: number }>> {
    return toResult(() => {
      const record = this.authorize(caller);
      const head = this.store.headSeq();
      assertCanRate(caller.actor.role, record.state, this.store.eventsAfter(Math.max(0, head - RATING_WINDOW), RATING_WINDOW, false));
      const comment = body.comment ? { comment: body.comment } : {};
      const [event] = this.commit((at) => [this.appendEvent({ type: "rated", visibility: "public", by: caller.actor, score: body.score, ...comment }, at)]);
      return { seq: event!.seq, at: event!.at };
    });
  }

  /** A ticket made from this conversation, as an internal `ticket_linked` event: once per ticket, however often called. */
  async linkTicket(caller: Caller, ticket: { ticket_id: string; summary: string; priority: TicketPriority }): Promise<Result<{ seq: number; linked: boolean }>> {
    return toResult(() => {
      this.authorize(caller);
      if (caller.actor.role === "visitor") throw new SwitchboardError("forbidden", "only staff and integrations link tickets");
      // The dedup table remembers the link like a message id; ticket ids are unguessable, so no one claims one first.
      const key = `ticket_linked:${ticket.ticket_id}`;
      const seen = this.store.findDedup(key);
      if (seen) return { seq: seen.seq, linked: false };
      const [event] = this.commit((at) => {
        const linked = this.appendEvent({ type: "ticket_linked", visibility: "internal", ...ticket, by: caller.actor }, at);
        this.store.recordDedup(key, { sender_id: caller.actor.id, seq: linked.seq, server_msg_id: ticket.ticket_id, at });
        return [linked];
      });
      return { seq: event!.seq, linked: true };
    });
  }

  /** Events after `query.after`; with `wait`, holds the request until one arrives (long-poll). */
  async readEvents(caller: Caller, query: EventsQuery): Promise<Result<EventsResponse>> {
    const deadline = Date.now() + query.wait * 1000;
    for (;;) {
      const page = toResult(() => this.eventsPage(this.authorize(caller), caller.actor, query));
      if (!page.ok || page.value.events.length > 0) return page;
      // An append this caller may not see (an internal note, for a visitor) is no reason to answer.
      const left = deadline - Date.now();
      if (left <= 0) return page;
      await this.waitForAppend(left);
    }
  }

  /** Closes every socket of one actor (a deactivated user); sockets are tagged with the actor id. */
  async disconnectActor(actorId: string, reason: string): Promise<number> {
    const sockets = this.ctx.getWebSockets(actorId);
    for (const ws of sockets) {
      try {
        ws.close(4403, reason);
      } catch {
        // already closed
      }
    }
    return sockets.length;
  }

  /** The archive consumer's word that everything up to `toSeq` is safely archived. */
  async confirmArchived(toSeq: number, hash: string): Promise<void> {
    this.store.markConfirmed(toSeq, hash);
    // Nothing left to archive: no later commit may come before the object hibernates and forgets
    // what is only in memory, so the watermarks are written now.
    if (this.store.get()?.archive_confirmed_seq === this.store.headSeq()) this.store.writeArchiveMarks();
  }

  /** The archive watermarks, for operators and tests. */
  async archiveStatus(): Promise<{ head_seq: number; handed_seq: number; confirmed_seq: number } | null> {
    const record = this.store.get();
    if (!record) return null;
    return { head_seq: this.store.headSeq(), handed_seq: record.archive_handed_seq, confirmed_seq: record.archive_confirmed_seq };
  }

  /** The load harness's eviction (workers/faults): a no-op unless FAULTS enables it. */
  async injectFault(): Promise<void> { evictIfEnabled(this.ctx, this.env); }

  // ---- WebSockets -----------------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse(new SwitchboardError("upgrade_required", "this endpoint speaks WebSocket only"));
    }
    try {
      const caller = JSON.parse(request.headers.get(CALLER_HEADER) ?? "null") as Caller | null;
      if (!caller) throw new SwitchboardError("unauthorized", "no caller");
      const record = this.authorize(caller);
      const lastSeq = Number(new URL(request.url).searchParams.get("last_seq") ?? "0");
      if (!Number.isInteger(lastSeq) || lastSeq < 0 || lastSeq > this.store.headSeq()) {
        throw new SwitchboardError("seq_out_of_range", `last_seq must be an integer from 0 to ${this.store.headSeq()}`);
      }
      const { 0: client, 1: server } = new WebSocketPair();
      const state: ConnectionState = { actor: caller.actor, synced: false, cursor: lastSeq };
      this.connections.accept(server, state);
      const snapshot = this.snapshotOf(record, caller.actor);
      send(server, {
        type: "welcome",
        workspace_id: record.workspace_id,
        conversation_id: record.conversation_id,
        you: caller.actor,
        state: record.state,
        head_seq: snapshot.head_seq,
        resume_from: lastSeq,
        participants: snapshot.participants,
        limits: { max_frame_bytes: LIMITS.maxFrameBytes, text_chars: LIMITS.textChars, replay_page: LIMITS.replayPage },
      });
      this.replayPage(server, state);
      return new Response(null, { status: 101, webSocket: client });
    } catch (err) {
      return errorResponse(asSwitchboardError(err));
    }
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const state = this.connections.get(ws);
    const record = this.store.get();
    if (!state || !record) {
      ws.close(1011, "connection state lost; reconnect with your last seq");
      return;
    }
    try {
      const frame = parseClientFrame(message);
      if (frame.type !== "ping") this.assertAddressed(record, frame.conversation_id);
      // Everything but a message acts on the log as it stands: store what was accepted before it first.
      if (frame.type !== "message") this.flushPending();
      switch (frame.type) {
        case "message":
          this.submitMessage(state.actor, frame, ws, (result) =>
            send(
              ws,
              result.ok
                ? { type: "ack", ...result.value }
                : { type: "error", code: result.error.code, message: result.error.message, client_msg_id: frame.client_msg_id },
            ),
          );
          break;
        case "receipt":
          this.applyReceipt(state.actor, frame.status, frame.up_to_seq);
          break;
        case "typing":
          this.relayTyping(ws, state.actor, frame.active);
          break;
        case "state":
          this.applyStateChange(state.actor, frame.to, frame.reason);
          break;
        case "sync":
          if (frame.after_seq > this.store.headSeq()) {
            throw new SwitchboardError("seq_out_of_range", `after_seq must be at most ${this.store.headSeq()}`);
          }
          state.synced = false;
          state.cursor = frame.after_seq;
          this.replayPage(ws, state);
          break;
        case "transfer":
          await this.transfer(state.actor, frame.to, frame.note);
          break;
        case "assist":
          await this.requestAssist(state.actor, frame.note);
          break;
        case "ping":
          send(ws, { type: "pong" });
          break;
      }
    } catch (err) {
      const error = asSwitchboardError(err);
      const clientMsgId = clientMsgIdOf(message);
      send(ws, { type: "error", code: error.code, message: error.message, ...(clientMsgId ? { client_msg_id: clientMsgId } : {}) });
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Completes the closing handshake where the runtime does not do it for us; 1005/1006 cannot be sent.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  override async webSocketError(_ws: WebSocket, error: unknown): Promise<void> {
    console.warn("conversation socket error", error);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    this.flushPending();
    const routing = this.store.routing();
    if (routing.status === "pending" && (routing.retry_at ?? 0) <= Date.now()) await this.runRouting();
    const retry = this.store.routing().status === "pending" ? this.store.routing().retry_at : null;
    if (retry !== null) await this.armAlarm(retry);
    const next = await this.handOverArchive();
    // A quiet conversation's watermarks are written here, not by a commit of their own per hand-over.
    this.store.writeArchiveMarks();
    if (next !== null) await this.armAlarm(next);
    const channelNext = await this.channel.flush(this.store, deliverOutbound(this.env), (seq, text) => this.noteForStaff(`channel-failed:${seq}`, text), Date.now);
    if (channelNext !== null) await this.armAlarm(channelNext);
  }

  // ---- routing: RPC from skill groups and agents ---------------------------------------------

  /** A skill group (or a direct route) gives the conversation to an agent. Idempotent per agent. */
  /**
   * A group's round assigns the conversation to an agent: only while it still waits in that group
   * (again to the same agent is a no-op), so a round repeated after a lost answer, or one racing a
   * manual claim or a transfer, cannot give it to a second agent.
   */
  async assign(request: { agent: Actor; group_id: string; queue_wait_ms: number }): Promise<Result<{ state: string }>> {
    return toResult(() => {
      const routing = this.store.routing();
      const again = routing.owner?.id === request.agent.id && this.store.get()?.state === "serving";
      if (!again && !(routing.status === "queued" && routing.group_id === request.group_id)) {
        throw new SwitchboardError("invalid_transition", "the conversation no longer waits in this group");
      }
      this.applyAssignment(request.agent, request.group_id, request.queue_wait_ms);
      return { state: this.store.get()!.state };
    });
  }

  /** The conversation's place in its group's queue, passed on to everyone watching it. */
  async queueStatus(status: GroupQueueStatus): Promise<void> {
    const routing = this.store.routing();
    if (routing.status !== "queued" || routing.group_id !== status.group_id) return;
    this.store.setRouting({ queue: status });
    const text = JSON.stringify({ type: "queue", ...status } satisfies ServerFrame);
    for (const [ws, state] of this.connections.all()) if (state.synced) trySend(ws, text);
  }

  /** The serving agent went offline: back to the queue (its front, if the group says so). */
  async requeueFromAgent(agentId: string): Promise<void> {
    const record = this.store.get();
    const routing = this.store.routing();
    const owner = routing.owner;
    if (!record || !owner || owner.id !== agentId || record.state === "ended") return;
    this.commit((at) => [
      this.leaveEvent(owner, at),
      this.transitionEvent(SYSTEM, "queued", "agent went offline", at),
      this.appendEvent({ type: "rerouted", visibility: "internal", reason: "agent_offline", from_group: routing.group_id, to_group: routing.group_id }, at),
    ]);
    this.store.setRouting({ owner: null, status: routing.group_id ? "queued" : "pending", queue: null, retry_at: null });
    await agentStub(this.env, record.workspace_id, owner.id).release(record.conversation_id);
    if (routing.group_id) await this.enqueueIn(routing.group_id, { requeue: true });
    else await this.runRouting();
  }

  /** The queue wait ran out: on to the overflow group, or leave-a-message. */
  async overflow(request: { from_group: string; to_group: string | null; priority: number; waiting_since: number }): Promise<void> {
    const routing = this.store.routing();
    if (routing.status !== "queued" || routing.group_id !== request.from_group) return;
    this.commit((at) => {
      const out = [
        this.appendEvent({ type: "rerouted", visibility: "internal", reason: "overflow", from_group: request.from_group, to_group: request.to_group }, at),
      ];
      if (!request.to_group) out.push(this.transitionEvent(SYSTEM, "offline", "nobody could serve in time", at));
      return out;
    });
    if (request.to_group) {
      this.store.setRouting({ group_id: request.to_group, overflow: null, queue: null });
      await this.enqueueIn(request.to_group, { waiting_since: request.waiting_since });
    } else {
      this.store.setRouting({ status: "offline", group_id: null, queue: null });
    }
  }

  async transferTo(caller: Caller, to: TransferTarget, note: string | undefined): Promise<Result<ConversationSnapshot>> {
    try {
      const record = this.authorize(caller);
      await this.transfer(caller.actor, to, note);
      return { ok: true, value: this.snapshotOf(record, caller.actor) };
    } catch (err) {
      return { ok: false, error: asSwitchboardError(err).toBody().error };
    }
  }

  async assist(caller: Caller, note: string | undefined): Promise<Result<{ requested: true }>> {
    try {
      this.authorize(caller);
      await this.requestAssist(caller.actor, note);
      return { ok: true, value: { requested: true } };
    } catch (err) {
      return { ok: false, error: asSwitchboardError(err).toBody().error };
    }
  }

  // ---- routing: what the conversation does -----------------------------------------------------

  /** Decides where the conversation goes (once, after the visitor's first message) and sends it there. */
  private async runRouting(): Promise<void> {
    if (this.routingInFlight) return;
    const record = this.store.get();
    if (!record || this.store.routing().status !== "pending") return;
    if (record.state === "ended") {
      this.store.setRouting({ status: "unrouted", retry_at: null });
      return;
    }
    this.routingInFlight = true;
    try {
      const outcome = await route(this.env, {
        workspace_id: record.workspace_id,
        context: record.context,
        contact_tags: record.context.tags ?? [],
        first_message: this.store.routing().first_message ?? undefined,
      });
      if (outcome) await this.applyRoute(outcome);
      else this.store.setRouting({ status: "manual", retry_at: null });
    } catch (err) {
      console.error(`routing ${record.conversation_id} failed; retrying`, err);
      const retryAt = Date.now() + ROUTING_RETRY_MS;
      this.store.setRouting({ status: "pending", retry_at: retryAt });
      await this.armAlarm(retryAt);
    } finally {
      this.routingInFlight = false;
    }
  }

  private async applyRoute(outcome: RoutingOutcome): Promise<void> {
    const record = this.store.get()!;
    if (record.state === "ended") return;
    const target = outcome.target;
    this.commit((at) => {
      const out = [
        this.appendEvent(
          { type: "routed", visibility: "internal", version: outcome.version, decided_by: outcome.decided_by, target, intent: outcome.intent },
          at,
        ),
      ];
      outcome.auto_replies.forEach((text, i) => {
        out.push(
          this.appendEvent(
            {
              type: "message",
              visibility: "public",
              server_msg_id: newId("message", at),
              client_msg_id: `auto:${out[0]!.seq}:${i}`,
              sender: BOT,
              content: { kind: "text", text },
            },
            at,
          ),
        );
      });
      return out;
    });
    const priority = target.kind === "offline" ? 50 : target.priority;
    this.store.setRouting({ priority, overflow: outcome.overflow, waiting_since: Date.now(), retry_at: null });
    if (target.kind === "group") return this.enqueueIn(target.group, {});
    if (target.kind === "offline") return this.goOffline("nobody can serve now: leave a message");
    const userId = target.kind === "agent" ? target.agent : target.supervisor;
    const reserved = await agentStub(this.env, record.workspace_id, userId).reserve(record.conversation_id, null);
    if (reserved.ok) {
      this.applyAssignment(reserved.agent, null, 0);
    } else if (target.fallback_group) {
      await this.enqueueIn(target.fallback_group, {});
    } else {
      this.goOffline(`${userId} cannot take the conversation (${reserved.reason})`);
    }
  }

  private async enqueueIn(groupId: string, options: { requeue?: boolean; waiting_since?: number }): Promise<void> {
    const record = this.store.get()!;
    const routing = this.store.setRouting({ status: "queued", group_id: groupId, queue: null });
    const status = await groupStub(this.env, record.workspace_id, groupId).enqueue({
      workspace_id: record.workspace_id,
      group_id: groupId,
      conversation_id: record.conversation_id,
      priority: routing.priority,
      overflow: routing.overflow,
      requeue: options.requeue ?? false,
      waiting_since: options.waiting_since ?? routing.waiting_since ?? Date.now(),
    });
    await this.queueStatus(status);
  }

  private goOffline(reason: string): void {
    const record = this.store.get()!;
    if (record.state !== "offline") this.commit((at) => [this.transitionEvent(SYSTEM, "offline", reason, at)]);
    this.store.setRouting({ status: "offline", group_id: null, queue: null });
  }

  private applyAssignment(agent: Actor, groupId: string | null, queueWaitMs: number): void {
    const record = this.store.get();
    if (!record) throw new SwitchboardError("not_found", "no such conversation");
    if (record.state === "ended") throw new SwitchboardError("conversation_ended", "the conversation ended before it could be assigned");
    const routing = this.store.routing();
    if (routing.owner?.id === agent.id && record.state === "serving") return;
    this.commit((at) => {
      const out = this.joinIfStaff(agent, at);
      out.push(this.appendEvent({ type: "assigned", visibility: "internal", agent, group_id: groupId, queue_wait_ms: Math.max(0, Math.round(queueWaitMs)) }, at));
      if (record.state !== "serving") out.push(this.transitionEvent(SYSTEM, "serving", "assigned", at));
      return out;
    });
    this.store.setRouting({ status: "assigned", owner: agent, queue: null, group_id: groupId ?? routing.group_id });
  }

  /**
   * What a state change means for routing, after it is stored: an ended or offline conversation
   * leaves its queue (a visitor giving up counts as abandoned) and frees its agent; an agent who
   * claims a conversation takes it out of the queue; an agent who puts it back requeues it.
   */
  private afterStateChange(actor: Actor, from: ConversationState, to: ConversationState): void {
    const record = this.store.get()!;
    const routing = this.store.routing();
    const ws = record.workspace_id;
    const id = record.conversation_id;
    const leaveQueue = (reason: "abandoned" | "moved") => {
      if (routing.status === "queued" && routing.group_id) this.ctx.waitUntil(groupStub(this.env, ws, routing.group_id).dequeue(id, reason));
    };
    const freeOwner = () => {
      if (routing.owner) this.ctx.waitUntil(agentStub(this.env, ws, routing.owner.id).release(id));
    };
    if (to === "ended" || to === "offline") {
      leaveQueue(actor.role === "visitor" ? "abandoned" : "moved");
      freeOwner();
      this.store.setRouting({ status: to === "offline" ? "offline" : routing.status === "unrouted" ? "unrouted" : "assigned", owner: null, queue: null });
      return;
    }
    if (to === "serving" && isStaff(actor.role) && routing.owner?.id !== actor.id) {
      leaveQueue("moved");
      freeOwner();
      // A manual claim counts against the agent's capacity; it is not refused for it.
      this.ctx.waitUntil(agentStub(this.env, ws, actor.id).reserve(id, routing.group_id).then(() => undefined));
      this.store.setRouting({ status: "assigned", owner: actor, queue: null });
      return;
    }
    if (to === "queued" && from !== "queued" && routing.owner) {
      const owner = routing.owner;
      this.commit((at) => [this.leaveEvent(owner, at)]);
      freeOwner();
      this.store.setRouting({ owner: null });
      if (routing.group_id) this.ctx.waitUntil(this.enqueueIn(routing.group_id, {}));
      else {
        this.store.setRouting({ status: "pending", retry_at: null });
        this.ctx.waitUntil(this.runRouting());
      }
    }
  }

  private async transfer(actor: Actor, to: TransferTarget, note: string | undefined): Promise<void> {
    if (!isStaff(actor.role)) throw new SwitchboardError("forbidden", "only agents and supervisors transfer conversations");
    const record = this.store.get()!;
    assertAcceptsMessages(record.state);
    const before = this.store.routing();
    if (to.kind === "agent" && before.owner?.id === to.agent_id) {
      throw new SwitchboardError("invalid_request", "that agent already serves this conversation");
    }
    // Checked before anything moves: a transfer into a group that does not exist would strand the conversation.
    if (to.kind === "group" && !(await groupExists(database(this.env.DB), record.workspace_id, to.group_id))) {
      throw new SwitchboardError("invalid_request", `no skill group ${to.group_id} in this workspace`);
    }
    const reserved = to.kind === "agent" ? await agentStub(this.env, record.workspace_id, to.agent_id).reserve(record.conversation_id, null) : null;
    if (reserved && !reserved.ok) throw new SwitchboardError("agent_unavailable", `that agent cannot take it now (${reserved.reason})`);
    const routing = this.store.routing();
    if (this.store.get()!.state === "ended") {
      if (to.kind === "agent") await agentStub(this.env, record.workspace_id, to.agent_id).release(record.conversation_id);
      throw new SwitchboardError("conversation_ended", "the conversation ended during the transfer");
    }
    const link = { by: actor, from_agent: routing.owner, from_group: routing.group_id, to, ...(note ? { note } : {}) };
    const wasQueuedIn = routing.status === "queued" ? routing.group_id : null;
    this.commit((at) => {
      const out = [this.appendEvent({ type: "transferred", visibility: "internal", ...link }, at)];
      if (routing.owner) out.push(this.leaveEvent(routing.owner, at));
      // The state change is public: its reason must not carry the note, which is for staff only (the transferred event has it).
      if (record.state === "serving") out.push(this.transitionEvent(actor, "transferring", "transferred", at));
      this.store.setRouting({ owner: null, transfers: [...routing.transfers, { at, ...link }] });
      return out;
    });
    if (routing.owner) await agentStub(this.env, record.workspace_id, routing.owner.id).release(record.conversation_id);
    if (wasQueuedIn) await groupStub(this.env, record.workspace_id, wasQueuedIn).dequeue(record.conversation_id, "moved");
    if (reserved?.ok) this.applyAssignment(reserved.agent, routing.group_id, 0);
    else if (to.kind === "group") await this.enqueueIn(to.group_id, { requeue: true, waiting_since: Date.now() });
  }

  private async requestAssist(actor: Actor, note: string | undefined): Promise<void> {
    if (!isStaff(actor.role)) throw new SwitchboardError("forbidden", "only agents and supervisors ask for assistance");
    const record = this.store.get()!;
    const groupId = this.store.routing().group_id;
    if (!groupId) throw new SwitchboardError("invalid_request", "this conversation has no skill group whose supervisors could be asked");
    this.commit((at) => [this.appendEvent({ type: "assist_requested", visibility: "internal", by: actor, ...(note ? { note } : {}) }, at)]);
    await groupStub(this.env, record.workspace_id, groupId).requestAssist({ conversation_id: record.conversation_id, by: actor, ...(note ? { note } : {}) });
  }

  /** An internal note from the system, once per `clientMsgId`: what staff must know about the conversation. */
  private noteForStaff(clientMsgId: string, text: string): void {
    if (this.store.findDedup(clientMsgId)) return;
    this.commit((at) => {
      const serverMsgId = newId("message", at);
      const note = this.appendEvent(
        { type: "message", visibility: "internal", server_msg_id: serverMsgId, client_msg_id: clientMsgId, sender: SYSTEM, content: { kind: "text", text } },
        at,
      );
      this.store.recordDedup(clientMsgId, { sender_id: SYSTEM.id, seq: note.seq, server_msg_id: serverMsgId, at });
      return [note];
    });
  }

  private leaveEvent(actor: Actor, at: number): ConversationEvent {
    this.store.markLeft(actor.id, at);
    return this.appendEvent({ type: "participant_left", visibility: "public", participant: actor }, at);
  }

  // ---- the conversation's rules, shared by sockets and HTTP -----------------------------------

  private authorize(caller: Caller): ConversationRecord {
    // Whatever a caller does next sees every message accepted before it, stored.
    this.flushPending();
    const record = this.store.get();
    if (!record || record.workspace_id !== caller.workspace_id) {
      throw new SwitchboardError("not_found", "no such conversation");
    }
    if (caller.actor.role === "visitor" && caller.actor.id !== record.contact.id) {
      throw new SwitchboardError("forbidden", "this conversation belongs to another visitor");
    }
    return record;
  }

  private assertAddressed(record: ConversationRecord, conversationId: string | undefined): void {
    if (conversationId !== undefined && conversationId !== record.conversation_id) {
      throw new SwitchboardError("wrong_conversation", `this connection is for ${record.conversation_id}, not ${conversationId}`);
    }
  }

  /**
   * Accepts a message for storing, or answers at once: a duplicate with the original ack, a bad
   * message with an error (thrown). Accepted messages wait for `flushPending`, which stores every
   * message that arrived meanwhile in one transaction — one commit for many messages under load —
   * before anything about them is sent. Nothing is acknowledged before it is stored.
   */
  private submitMessage(actor: Actor, body: PostMessageBody, origin: WebSocket | null, settle: (result: Result<Ack>) => void): void {
    const record = this.store.get()!;
    assertMaySend(actor, body.visibility);
    const waiting = this.pendingById.get(body.client_msg_id);
    const previous = waiting ? null : this.store.findDedup(body.client_msg_id);
    const senderId = waiting?.actor.id ?? previous?.sender_id;
    if (senderId !== undefined && senderId !== actor.id) {
      throw new SwitchboardError("client_msg_id_conflict", "another participant already used this client_msg_id in this conversation");
    }
    if (waiting) {
      waiting.duplicates.push(settle);
      return;
    }
    if (previous) {
      settle({ ok: true, value: this.ackOf(body.client_msg_id, actor.id, previous.seq, previous.server_msg_id, previous.at, true) });
      return;
    }
    assertAcceptsMessages(record.state);
    this.channel.assertMaySend(actor, body.visibility, Date.now());
    const entry: PendingMessage = { actor, body, origin, settle, duplicates: [] };
    this.pending.push(entry);
    this.pendingById.set(body.client_msg_id, entry);
    if (this.flushScheduled) return;
    if (this.pending.length === 1 && Date.now() - this.lastFlushAt >= GROUP_COMMIT_IDLE_MS) {
      // Quiet conversation: store at once, adding no latency.
      this.flushPending();
      return;
    }
    // Busy: wait one macrotask, so messages already queued behind this one share its commit.
    this.flushScheduled = true;
    setTimeout(() => this.flushPending(), 0);
  }

  /** Stores every accepted message in one transaction, then fans out and acknowledges each. */
  private flushPending(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    this.lastFlushAt = Date.now();
    const batch = this.pending;
    this.pending = [];
    this.pendingById.clear();
    const origins = new Map<number, WebSocket>();
    const stored: Array<{ entry: PendingMessage; seq: number; serverMsgId: string; at: number }> = [];
    let events: ConversationEvent[];
    try {
      events = this.store.transaction(() => {
        const out: ConversationEvent[] = [];
        for (const entry of batch) {
          const { actor, body } = entry;
          const at = Date.now();
          const serverMsgId = newId("message", at);
          if (body.visibility === "public") out.push(...this.joinIfStaff(actor, at));
          const message = this.appendEvent(
            { type: "message", visibility: body.visibility, server_msg_id: serverMsgId, client_msg_id: body.client_msg_id, sender: actor, content: body.content },
            at,
          );
          this.store.recordDedup(body.client_msg_id, { sender_id: actor.id, seq: message.seq, server_msg_id: serverMsgId, at });
          if (entry.origin) origins.set(message.seq, entry.origin);
          out.push(message);
          stored.push({ entry, seq: message.seq, serverMsgId, at });
        }
        return out;
      });
    } catch (err) {
      // Nothing of the batch was stored (the transaction rolled back): every sender may retry safely.
      const error = asSwitchboardError(err).toBody().error;
      for (const entry of batch) for (const settle of [entry.settle, ...entry.duplicates]) settle({ ok: false, error });
      return;
    }
    // Each sender's ack goes out right after its message's fan-out, so every socket sees seqs in order.
    const acks = new Map(stored.map((x) => [x.seq, x]));
    this.afterAppend(events, origins, (event, dispatched) => {
      const done = acks.get(event.seq);
      if (!done) return;
      const ack: Ack = {
        client_msg_id: done.entry.body.client_msg_id,
        server_msg_id: done.serverMsgId,
        seq: done.seq,
        at: done.at,
        duplicate: false,
        status: dispatched ? "dispatched" : "queued",
      };
      done.entry.settle({ ok: true, value: ack });
      for (const settle of done.entry.duplicates) settle({ ok: true, value: { ...ack, duplicate: true } });
    });
    const record = this.store.get()!;
    const visitorSpoke = batch.find((e) => e.actor.role === "visitor");
    if (visitorSpoke && this.store.routing().status === "unrouted" && record.state === "queued") {
      const content = visitorSpoke.body.content;
      this.store.setRouting({ status: "pending", first_message: content.kind === "text" ? content.text : null });
      this.ctx.waitUntil(this.runRouting());
    }
  }

  private ackOf(clientMsgId: string, senderId: string, seq: number, serverMsgId: string, at: number, duplicate: boolean): Ack {
    return {
      client_msg_id: clientMsgId,
      server_msg_id: serverMsgId,
      seq,
      at,
      duplicate,
      status: deliveryStatus(seq, senderId, [...this.store.participants().values()]),
    };
  }

  private applyStateChange(actor: Actor, to: StateChangeBody["to"], reason: string | undefined): void {
    const record = this.store.get()!;
    assertTransition(actor.role, record.state, to);
    const from = record.state;
    this.commit((at) => {
      const out = to === "serving" ? this.joinIfStaff(actor, at) : [];
      out.push(this.transitionEvent(actor, to, reason, at));
      return out;
    });
    this.afterStateChange(actor, from, to);
  }

  /** Appends a state change (inside the caller's transaction) without the role check: for routing's own moves. */
  private transitionEvent(by: Actor, to: StateChangeBody["to"], reason: string | undefined, at: number): ConversationEvent {
    const from = this.store.get()!.state;
    const event = this.appendEvent({ type: "state_changed", visibility: "public", from, to, by, ...(reason ? { reason } : {}) }, at);
    this.store.setState(to);
    return event;
  }

  /** Runs `build` in one transaction with one clock reading, then fans out what it appended. */
  private commit(build: (at: number) => ConversationEvent[]): ConversationEvent[] {
    this.flushPending();
    const at = Date.now();
    const events = this.store.transaction(() => build(at));
    this.afterAppend(events);
    return events;
  }

  /** Receipts from someone who is not a participant (a supervisor watching) change nothing. */
  private applyReceipt(actor: Actor, status: ReceiptBody["status"], upTo: number): void {
    if (upTo > this.store.headSeq()) {
      throw new SwitchboardError("seq_out_of_range", `up_to_seq must be at most ${this.store.headSeq()}`);
    }
    const participant = this.store.participants().get(actor.id);
    if (!participant || participant.left_at !== undefined) return;
    const moved = this.store.transaction(() => {
      const read = status === "read" && this.store.raise(actor.id, "read_seq", upTo);
      const delivered = this.store.raise(actor.id, "delivered_seq", upTo);
      this.store.raise(actor.id, "dispatched_seq", upTo);
      return read || delivered;
    });
    if (moved) this.broadcastDelivery(actor, status, upTo);
  }

  private relayTyping(origin: WebSocket, actor: Actor, active: boolean): void {
    const participant = this.store.participants().has(actor.id);
    const text = JSON.stringify({ type: "typing", participant: actor, active } satisfies ServerFrame);
    for (const [ws, state] of this.connections.all()) {
      if (ws === origin || !state.synced || state.actor.id === actor.id) continue;
      // A watching supervisor's typing is not shown to the visitor.
      if (!participant && !isStaff(state.actor.role)) continue;
      trySend(ws, text);
    }
  }

  /** Staff who act publicly on a conversation become participants (with a joined event). */
  private joinIfStaff(actor: Actor, at: number): ConversationEvent[] {
    if (!isStaff(actor.role)) return [];
    const existing = this.store.participants().get(actor.id);
    if (existing && existing.left_at === undefined) return [];
    const online = this.connections.all().some(([, s]) => s.actor.id === actor.id && s.synced);
    this.store.addParticipant(actor, at, online ? this.store.headSeq() : 0);
    return [this.appendEvent({ type: "participant_joined", visibility: "public", participant: actor }, at)];
  }

  private appendEvent(event: NewEvent, at: number): ConversationEvent {
    const stored = { ...event, seq: this.store.headSeq() + 1, at } as ConversationEvent;
    this.store.append(stored);
    return stored;
  }

  /**
   * After a commit: live fan-out (calling `sent` after each event with whether another participant
   * got it), long-poll wake-up and the archive hand-over. Dispatch watermarks move once per call.
   */
  private afterAppend(
    events: ConversationEvent[],
    origins: ReadonlyMap<number, WebSocket> | null = null,
    sent?: (event: ConversationEvent, dispatched: boolean) => void,
  ): void {
    const reached = new Map<string, number>();
    for (const event of events) {
      const dispatched = this.broadcast(event, origins?.get(event.seq) ?? null, reached);
      sent?.(event, dispatched);
    }
    for (const [id, seq] of reached) this.store.raise(id, "dispatched_seq", seq);
    for (const wake of [...this.waiters]) wake();
    const now = Date.now();
    // The opening alone does not start the clock: it waits for the first lines (OPENING_WAIT_MS).
    if (this.store.headSeq() > 1) this.archiveWaitingSince ??= now;
    this.scheduleHandOver(flushAfterAppend(this.store, now, this.archiveWaitingSince));
    const channelDue = this.channel.dueAt(this.store, now);
    if (channelDue !== null) void this.armAlarm(channelDue);
  }

  /**
   * Hands the archive over at `at` from an in-memory timer (moved as the conversation goes on), so
   * a chatting conversation's hand-overs cost no alarm writes; the alarm, set once
   * ARCHIVE_BACKSTOP_MS later, hands over whatever an evicted object's timer never did.
   */
  private scheduleHandOver(at: number): void {
    void this.armAlarm(at + ARCHIVE_BACKSTOP_MS);
    if (this.archiveTimer?.at === at) return;
    if (this.archiveTimer) clearTimeout(this.archiveTimer.timer);
    const timer = setTimeout(() => {
      this.archiveTimer = null;
      // A routing decision in flight appends its events in a moment: let them travel with these.
      const later = this.routingInFlight ? deferredFlush(Date.now(), this.archiveWaitingSince) : null;
      if (later !== null) return this.scheduleHandOver(later);
      void this.handOverArchive().then((next) => (next === null ? undefined : this.armAlarm(next)));
    }, Math.max(0, at - Date.now()));
    this.archiveTimer = { at, timer };
  }

  /** Runs the archive outbox, joining a hand-over already in progress (which picks up newer events too). */
  private handOverArchive(): Promise<number | null> {
    const send: SendBatch = async (batch) => {
      await this.env.EVENTS.send(batch);
    };
    // What is appended from here on waits for a hand-over of its own (or is picked up by this one).
    this.archiveWaitingSince = null;
    this.archiveFlush ??= flushOutbox(this.store, send, Date.now).finally(() => {
      this.archiveFlush = null;
    });
    return this.archiveFlush;
  }

  /**
   * Sends an event to every caught-up socket allowed to see it, except the sender's own socket for
   * its message (the ack completes the sender's copy). Sockets still replaying get it from the log.
   */
  private broadcast(event: ConversationEvent, origin: WebSocket | null, reached: Map<string, number>): boolean {
    const text = JSON.stringify({ type: "event", event } satisfies ServerFrame);
    const author = authorOf(event);
    const participants = this.store.participants();
    let dispatched = false;
    for (const [ws, state] of this.connections.all()) {
      if (!state.synced || !canSee(state.actor.role, event.visibility)) continue;
      if (ws === origin && event.type === "message") continue;
      if (!trySend(ws, text)) continue;
      // Participants other than the author were dispatched this event; the watermark is raised once per batch.
      if (state.actor.id !== author && participants.has(state.actor.id)) {
        reached.set(state.actor.id, event.seq);
        dispatched = true;
      }
    }
    return dispatched;
  }

  private broadcastDelivery(by: Actor, status: "dispatched" | "delivered" | "read", upTo: number): void {
    const text = JSON.stringify({ type: "delivery", by, status, up_to_seq: upTo } satisfies ServerFrame);
    for (const [ws, state] of this.connections.all()) {
      if (state.synced && state.actor.id !== by.id) trySend(ws, text);
    }
  }

  /** One page of history to a connecting socket; the last page switches it to live events. */
  private replayPage(ws: WebSocket, state: ConnectionState): void {
    const page = this.store.eventsAfter(state.cursor, LIMITS.replayPage + 1, !isStaff(state.actor.role));
    const more = page.length > LIMITS.replayPage;
    if (more) page.pop();
    for (const event of page) ws.send(JSON.stringify({ type: "event", event } satisfies ServerFrame));
    const head = this.store.headSeq();
    state.cursor = more ? page[page.length - 1]!.seq : head;
    state.synced = !more;
    this.connections.save(ws, state);
    send(ws, { type: "synced", head_seq: head, complete: !more });
    const queue = this.store.routing().queue;
    if (!more && queue && this.store.routing().status === "queued") send(ws, { type: "queue", ...queue });
    if (state.cursor > 0 && this.store.raise(state.actor.id, "dispatched_seq", state.cursor)) {
      this.broadcastDelivery(state.actor, "dispatched", state.cursor);
    }
  }

  private eventsPage(record: ConversationRecord, actor: Actor, query: EventsQuery): EventsResponse {
    const head = this.store.headSeq();
    if (query.after > head) throw new SwitchboardError("seq_out_of_range", `after must be at most ${head}`);
    const page = this.store.eventsAfter(query.after, query.limit + 1, !isStaff(actor.role));
    const complete = page.length <= query.limit;
    if (!complete) page.pop();
    const nextAfter = complete ? head : page[page.length - 1]!.seq;
    // A participant reading over HTTP has been dispatched these events: tell the senders, as a replay does.
    if (page.length > 0 && this.store.raise(actor.id, "dispatched_seq", nextAfter)) {
      this.broadcastDelivery(actor, "dispatched", nextAfter);
    }
    return {
      conversation_id: record.conversation_id,
      state: record.state,
      head_seq: head,
      events: page,
      next_after: nextAfter,
      complete,
      participants: [...this.store.participants().values()],
    };
  }

  /** The conversation as `viewer` may see it: the transfer chain (notes included) is internal, for staff only. */
  private snapshotOf(record: ConversationRecord, viewer: Actor): ConversationSnapshot {
    return {
      workspace_id: record.workspace_id,
      conversation_id: record.conversation_id,
      state: record.state,
      head_seq: this.store.headSeq(),
      created_at: record.created_at,
      contact: record.contact,
      context: record.context,
      participants: [...this.store.participants().values()],
      routing: this.routingView(this.store.routing(), isStaff(viewer.role)),
    };
  }

  private routingView(r: RoutingRecord, staff: boolean): ConversationSnapshot["routing"] {
    return { status: r.status, group_id: r.group_id, owner: r.owner, priority: r.priority, queue: r.queue, transfers: staff ? r.transfers : [] };
  }

  private waitForAppend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /** Only ever brings the alarm forward, so per-message calls cost nothing once it is set. */
  private async armAlarm(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}

function send(ws: WebSocket, frame: ServerFrame): void {
  trySend(ws, JSON.stringify(frame));
}

/** A socket can close between listing and sending; that connection resumes by seq later. */
function trySend(ws: WebSocket, text: string): boolean {
  try {
    ws.send(text);
    return true;
  } catch {
    return false;
  }
}

function errorResponse(error: SwitchboardError): Response {
  return Response.json(error.toBody(), { status: error.status });
}

