// Many conversations on each target, as the fleet (bench/lib/fleet.mjs) connects to them: one
// endpoint per conversation with `connect(role, lastSeq, onFrame)`. `agents` agent identities
// serve the conversations, `conversations / agents` each; every conversation has its own agent
// socket (Switchboard's conversation socket is per conversation, and the other targets get the
// same topology so the traffic is the same).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { hashPassword } from "../../src/auth/password.ts";
import { DEMO_SEED } from "../../src/db/demo-seed.ts";
import { wrangler } from "../../scripts/wrangler-env.mjs";
import { connectTracked } from "./fleet.mjs";
import { pool } from "./pool.mjs";
import { SocketIoFrameSocket } from "./peers.mjs";
import { httpJson } from "./ws-client.mjs";

export const benchAgentId = (i) => `us_benchload${String(i).padStart(8, "0")}`;
const benchAgentEmail = (i) => `bench-load-agent${i}@${DEMO_SEED.emailDomain}`;

/**
 * Adds `n` agents to Switchboard's throw-away D1 before wrangler dev starts (a prepareExtra for
 * startSwitchboard). One cheap password hash shared by all keeps the logins fast.
 */
export async function insertBenchAgents(persistTo, n) {
  const hash = await hashPassword(DEMO_SEED.password, 1_000);
  const q = (v) => (typeof v === "number" ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
  const now = Date.now();
  const lines = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      `INSERT INTO users (id, workspace_id, email, name, role, password_hash, active, created_at, max_concurrent) VALUES (${[benchAgentId(i), DEMO_SEED.id, benchAgentEmail(i), `Load Agent ${i}`, "agent", hash, 1, now, 100].map(q).join(", ")});`,
    );
  }
  const file = join(persistTo, "bench-load-agents.sql");
  writeFileSync(file, lines.join("\n"));
  wrangler(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--file", file]);
}

/**
 * `n` Switchboard conversations: a widget session each (a new contact and conversation), an agent
 * session per agent identity, and each agent takes its conversations (state → serving) so it is a
 * participant. Returns { endpoints, tokens, setupSeconds }.
 */
export async function switchboardEndpoints(target, n, agents, { concurrency = 50 } = {}) {
  const started = performance.now();
  const tokens = await pool(agents, 10, async (i) => {
    const session = await httpJson("POST", `${target.base}/api/auth/login`, { workspace: DEMO_SEED.slug, email: benchAgentEmail(i), password: DEMO_SEED.password });
    return session.token;
  });
  const sessions = await pool(n, concurrency, async (i) => {
    const s = await httpJson("POST", `${target.base}/api/widget/sessions`, { widget_key: DEMO_SEED.widgetKey });
    await httpJson("POST", `${target.base}/api/conversations/${s.conversation_id}/state`, { to: "serving" }, { token: tokens[i % agents] });
    return s;
  });
  const endpoints = sessions.map((s, i) => {
    const agentToken = tokens[i % agents];
    return {
      id: s.conversation_id,
      agentToken,
      connect(role, lastSeq, onFrame) {
        const url =
          role === "visitor"
            ? `${s.websocket_url}?token=${encodeURIComponent(s.token)}&last_seq=${lastSeq}`
            : `${target.wsBase}/api/conversations/${s.conversation_id}/ws?token=${encodeURIComponent(agentToken)}&last_seq=${lastSeq}`;
        return connectTracked(url, onFrame, { label: `switchboard ${role} ${i}` });
      },
    };
  });
  return { endpoints, tokens, setupSeconds: (performance.now() - started) / 1000 };
}

const ids = (i, agents) => ({ visitor: `ct_benchload${String(i).padStart(8, "0")}`, agent: benchAgentId(i % agents) });

/** `n` rooms on the ceiling relay (`/ws/:room`). */
export function ceilingEndpoints(target, n, agents, { runId }) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${runId}-c${i}`,
    connect: (role, _lastSeq, onFrame) =>
      connectTracked(`${target.wsBase}/ws/${runId}-c${i}?role=${role}&id=${ids(i, agents)[role]}`, onFrame, { label: `ceiling ${role} ${i}` }),
  }));
}

/** `n` partyserver rooms (`/parties/chat-room/:room`). */
export function partyserverEndpoints(target, n, agents, { runId }) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${runId}-c${i}`,
    connect: (role, _lastSeq, onFrame) =>
      connectTracked(`${target.wsBase}/parties/chat-room/${runId}-c${i}?role=${role}&id=${ids(i, agents)[role]}`, onFrame, {
        label: `partyserver ${role} ${i}`,
      }),
  }));
}

/** `n` Socket.IO rooms. */
export function socketioEndpoints(target, n, agents, { runId }) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${runId}-c${i}`,
    async connect(role, _lastSeq, onFrame) {
      const socket = await SocketIoFrameSocket.connect(target.base, { room: `${runId}-c${i}`, role, id: ids(i, agents)[role] }, { label: `socketio ${role} ${i}` });
      socket.onFrame = (frame, _text, at) => onFrame(frame, at);
      return socket;
    },
  }));
}
