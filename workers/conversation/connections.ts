import type { Actor } from "../../src/model/index.ts";

/** Who is on a socket and how far its replay has got; survives hibernation in the socket attachment. */
export interface ConnectionState {
  actor: Actor;
  /** false while the socket still replays history: live events wait until it has caught up. */
  synced: boolean;
  /** The last seq sent to this socket during replay. */
  cursor: number;
}

const KEY = "switchboard";

/**
 * Attachments are read back lazily after the object wakes from hibernation and cached per socket,
 * so fan-out does not deserialize every attachment for every message.
 */
export class Connections {
  private readonly cache = new WeakMap<WebSocket, ConnectionState>();
  private readonly ctx: DurableObjectState;

  constructor(ctx: DurableObjectState) {
    this.ctx = ctx;
  }

  accept(ws: WebSocket, state: ConnectionState): void {
    // Tags let a later issue close every socket of one actor (e.g. a deactivated agent).
    this.ctx.acceptWebSocket(ws, [state.actor.role, state.actor.id]);
    this.save(ws, state);
  }

  get(ws: WebSocket): ConnectionState | null {
    let state = this.cache.get(ws);
    if (!state) {
      const stored = ws.deserializeAttachment() as Record<string, ConnectionState> | null;
      state = stored?.[KEY];
      if (!state) return null;
      this.cache.set(ws, state);
    }
    return state;
  }

  save(ws: WebSocket, state: ConnectionState): void {
    ws.serializeAttachment({ [KEY]: state });
    this.cache.set(ws, state);
  }

  all(): Array<[WebSocket, ConnectionState]> {
    const out: Array<[WebSocket, ConnectionState]> = [];
    for (const ws of this.ctx.getWebSockets()) {
      const state = this.get(ws);
      if (state) out.push([ws, state]);
    }
    return out;
  }
}
