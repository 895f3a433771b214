import { describe, expect, it } from "vitest";
import { login, startVisitor } from "../support/api.ts";
import { connect } from "../support/socket.ts";
import { createWorkspace } from "../support/workspace.ts";

describe("a conversation between a visitor and an agent", () => {
  it("delivers a visitor message to the agent with its seq and acks the visitor", async () => {
    const seed = await createWorkspace();
    const visitor = await startVisitor(seed);
    const agentToken = await login(seed, "agent");
    const v = await connect(visitor.conversation_id, visitor.token);
    const a = await connect(visitor.conversation_id, agentToken);
    v.send({ type: "message", client_msg_id: "m1", content: { kind: "text", text: "hello" } });
    const ack = await v.waitForAck("m1");
    expect(ack.duplicate).toBe(false);
    const event = await a.waitForEvent(ack.seq);
    expect(event.event.content).toEqual({ kind: "text", text: "hello" });
    v.close();
    a.close();
  });
});
