import { describe, expect, it } from "vitest";
import { clientMsgIdOf, parseClientFrame } from "../../src/conversation/index.ts";
import { LIMITS, newId, SwitchboardError } from "../../src/model/index.ts";

/** The error code parseClientFrame throws for `raw`, or "ok". */
function codeOf(raw: string | ArrayBuffer): string {
  try {
    parseClientFrame(raw);
    return "ok";
  } catch (err) {
    if (!(err instanceof SwitchboardError)) throw err;
    return err.code;
  }
}

function errorOf(raw: string): SwitchboardError {
  try {
    parseClientFrame(raw);
  } catch (err) {
    return err as SwitchboardError;
  }
  throw new Error(`expected ${raw.slice(0, 80)} to be refused`);
}

const message = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: "message", client_msg_id: "c-1", content: { kind: "text", text: "hi" }, ...extra });

describe("parseClientFrame", () => {
  it("parses a message and defaults its visibility to public", () => {
    expect(parseClientFrame(message())).toEqual({ type: "message", client_msg_id: "c-1", content: { kind: "text", text: "hi" }, visibility: "public" });
  });

  it("parses every frame type a client may send", () => {
    const frames = [
      message({ visibility: "internal" }),
      '{"type":"receipt","status":"read","up_to_seq":3}',
      '{"type":"typing","active":false}',
      '{"type":"state","to":"ended","reason":"done"}',
      '{"type":"sync","after_seq":0}',
      '{"type":"ping"}',
    ];
    expect(frames.map((f) => parseClientFrame(f).type)).toEqual(["message", "receipt", "typing", "state", "sync", "ping"]);
  });

  it("refuses a binary frame with binary_not_supported", () => {
    expect(codeOf(new TextEncoder().encode(message()).buffer as ArrayBuffer)).toBe("binary_not_supported");
  });

  it("accepts a frame of exactly the byte limit and refuses one byte more with frame_too_large", () => {
    const base = '{"type":"typing","active":true}';
    const exact = base + " ".repeat(LIMITS.maxFrameBytes - base.length);
    expect(codeOf(exact)).toBe("ok");
    expect(codeOf(exact + " ")).toBe("frame_too_large");
  });

  it("counts the limit in UTF-8 bytes, so fewer multi-byte characters can exceed it", () => {
    const text = "€".repeat(Math.floor(LIMITS.maxFrameBytes / 3));
    const raw = JSON.stringify({ type: "typing", active: true, pad: text });
    expect(raw.length).toBeLessThan(LIMITS.maxFrameBytes);
    expect(codeOf(raw)).toBe("frame_too_large");
  });

  it("refuses text that is not JSON with invalid_json", () => {
    expect(["", "{", "hello", '{"type":"message",}'].map(codeOf)).toEqual(["invalid_json", "invalid_json", "invalid_json", "invalid_json"]);
  });

  it("refuses JSON that is not an object with invalid_frame", () => {
    expect(["[]", "null", "42", '"message"'].map(codeOf)).toEqual(["invalid_frame", "invalid_frame", "invalid_frame", "invalid_frame"]);
  });

  it("refuses a missing or unknown type with unknown_frame_type and lists the known ones", () => {
    expect(codeOf("{}")).toBe("unknown_frame_type");
    expect(codeOf('{"type":7}')).toBe("unknown_frame_type");
    const error = errorOf('{"type":"welcome"}');
    expect(error.code).toBe("unknown_frame_type");
    expect(error.details).toEqual({ known: ["message", "receipt", "typing", "state", "sync", "transfer", "assist", "ping"] });
  });

  it("refuses a frame that breaks its schema with invalid_frame and says which field", () => {
    const cases = {
      emptyText: message({ content: { kind: "text", text: "  " } }),
      noClientMsgId: JSON.stringify({ type: "message", content: { kind: "text", text: "hi" } }),
      badClientMsgId: message({ client_msg_id: "has space" }),
      longClientMsgId: message({ client_msg_id: "x".repeat(65) }),
      longText: message({ content: { kind: "text", text: "x".repeat(LIMITS.textChars + 1) } }),
      badVisibility: message({ visibility: "secret" }),
      badConversationId: message({ conversation_id: "not-a-conversation" }),
      negativeReceipt: '{"type":"receipt","status":"read","up_to_seq":-1}',
      fractionalSync: '{"type":"sync","after_seq":1.5}',
      badState: '{"type":"state","to":"closed"}',
      badImageUrl: message({ content: { kind: "image", url: "javascript:alert(1)" } }),
    };
    const paths: Record<string, string[]> = {};
    for (const [name, raw] of Object.entries(cases)) {
      const error = errorOf(raw);
      expect({ name, code: error.code }).toEqual({ name, code: "invalid_frame" });
      paths[name] = (error.details as Array<{ path: string }>).map((d) => d.path);
    }
    expect(paths).toEqual({
      emptyText: ["content.text"],
      noClientMsgId: ["client_msg_id"],
      badClientMsgId: ["client_msg_id"],
      longClientMsgId: ["client_msg_id"],
      longText: ["content.text"],
      badVisibility: ["visibility"],
      badConversationId: ["conversation_id"],
      negativeReceipt: ["up_to_seq"],
      fractionalSync: ["after_seq"],
      badState: ["to"],
      badImageUrl: ["content.url"],
    });
  });

  it("accepts a frame addressed with a well-formed conversation_id", () => {
    const id = newId("conversation");
    expect(parseClientFrame(message({ conversation_id: id }))).toMatchObject({ conversation_id: id });
  });
});

describe("clientMsgIdOf", () => {
  it("finds the client_msg_id of a refused frame so the error can name it", () => {
    expect(clientMsgIdOf(message({ content: { kind: "text", text: "" } }))).toBe("c-1");
  });

  it("finds nothing in binary, non-JSON, or an invalid client_msg_id", () => {
    expect([clientMsgIdOf(new ArrayBuffer(4)), clientMsgIdOf("{oops"), clientMsgIdOf(message({ client_msg_id: "bad id" })), clientMsgIdOf("null")]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
