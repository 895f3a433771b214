import { z } from "zod";
import type { ClientFrame } from "../model/index.ts";
import { CLIENT_FRAME_TYPES, ClientFrame as ClientFrameSchema, ClientMsgId, LIMITS, SwitchboardError } from "../model/index.ts";

const encoder = new TextEncoder();

/** Zod issues as `path: message` lines a third-party developer can read. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message }));
}

/** Text of a frame from a socket, or the error frame it deserves. Sizes are counted in UTF-8 bytes. */
export function parseClientFrame(raw: string | ArrayBuffer): ClientFrame {
  if (typeof raw !== "string") {
    throw new SwitchboardError("binary_not_supported", "frames are JSON text; binary frames are not accepted");
  }
  // A UTF-16 length over the limit / 3 cannot fit; below it, count the bytes exactly.
  if (raw.length > LIMITS.maxFrameBytes || (raw.length * 3 > LIMITS.maxFrameBytes && encoder.encode(raw).byteLength > LIMITS.maxFrameBytes)) {
    throw new SwitchboardError("frame_too_large", `frames are limited to ${LIMITS.maxFrameBytes} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new SwitchboardError("invalid_json", "the frame is not valid JSON");
  }
  return parseClientValue(json);
}

export function parseClientValue(json: unknown): ClientFrame {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new SwitchboardError("invalid_frame", "a frame is a JSON object with a type");
  }
  const type = (json as { type?: unknown }).type;
  if (typeof type !== "string" || !(CLIENT_FRAME_TYPES as readonly string[]).includes(type)) {
    throw new SwitchboardError("unknown_frame_type", `unknown frame type ${JSON.stringify(type)}`, {
      known: CLIENT_FRAME_TYPES,
    });
  }
  const parsed = ClientFrameSchema.safeParse(json);
  if (!parsed.success) {
    throw new SwitchboardError("invalid_frame", `invalid ${type} frame`, describeIssues(parsed.error));
  }
  return parsed.data;
}

/** The client_msg_id of a rejected message frame, so the error can be matched to what was sent. */
export function clientMsgIdOf(raw: unknown): string | undefined {
  if (typeof raw !== "string" || raw.length > LIMITS.maxFrameBytes) return undefined;
  try {
    const id = (JSON.parse(raw) as { client_msg_id?: unknown }).client_msg_id;
    return ClientMsgId.safeParse(id).success ? (id as string) : undefined;
  } catch {
    return undefined;
  }
}
