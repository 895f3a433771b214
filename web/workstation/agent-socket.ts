// The workstation socket (/api/agent/ws): our presence, capacity and load, assignments, releases
// (for supervisors) assistance requests, and SLA breaches of tickets we own. Reconnects with back-off; a page reload within 15 s
// keeps the agent present.
import type { AgentServerFrame, AgentStatus } from "../shared/wire.ts";
import { socketUrl } from "./api.ts";

type Frame<T extends AgentServerFrame["type"]> = Extract<AgentServerFrame, { type: T }>;

export interface AgentSocketHandlers {
  status(s: AgentStatus): void;
  assigned(f: Frame<"assigned">): void;
  released(f: Frame<"released">): void;
  assist(f: Frame<"assist_requested">): void;
  breached(f: Frame<"ticket_breached">): void;
  connection(up: boolean): void;
}

export class AgentSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ping: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly on: AgentSocketHandlers) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Closing every workstation socket is how an agent goes offline (15 s later their conversations are requeued). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.ping);
    this.ws?.close(1000);
    this.ws = null;
  }

  presence(status: "online" | "away"): void {
    this.ws?.readyState === WebSocket.OPEN && this.ws.send(JSON.stringify({ type: "presence", status }));
  }

  private open(): void {
    const ws = new WebSocket(socketUrl("/api/agent/ws"));
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.on.connection(true);
      clearInterval(this.ping);
      this.ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), 25_000);
    };
    ws.onmessage = (e) => {
      const f = JSON.parse(String(e.data)) as AgentServerFrame;
      if (f.type === "status") this.on.status(f);
      else if (f.type === "assigned") this.on.assigned(f);
      else if (f.type === "released") this.on.released(f);
      else if (f.type === "assist_requested") this.on.assist(f);
      else if (f.type === "ticket_breached") this.on.breached(f);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      clearInterval(this.ping);
      this.ws = null;
      this.on.connection(false);
      if (this.stopped) return;
      const delay = Math.min(30_000, 500 * 2 ** this.attempt++) * (0.75 + Math.random() * 0.5);
      this.timer = setTimeout(() => this.open(), delay);
    };
  }
}
