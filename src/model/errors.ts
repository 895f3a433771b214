import { z } from "zod";

/** Machine-readable error codes shared by `error` frames and HTTP error bodies (docs/protocol.md). */
export const ErrorCode = z.enum([
  "invalid_json",
  "invalid_frame",
  "unknown_frame_type",
  "binary_not_supported",
  "frame_too_large",
  "invalid_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "wrong_conversation",
  "conversation_ended",
  "invalid_transition",
  "client_msg_id_conflict",
  "seq_out_of_range",
  "agent_unavailable",
  "upgrade_required",
  "misconfigured",
  "internal",
  "conversation_open",
  "already_rated",
  "signature_invalid",
  "timestamp_out_of_window",
  "reply_window_closed",
  "payload_too_large",
  "unsupported_media_type",
  "idempotency_conflict",
  "rate_limited",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** HTTP status each code is answered with; sockets send the same code in an `error` frame. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  invalid_json: 400,
  invalid_frame: 400,
  unknown_frame_type: 400,
  binary_not_supported: 400,
  frame_too_large: 413,
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  wrong_conversation: 400,
  conversation_ended: 409,
  invalid_transition: 409,
  client_msg_id_conflict: 409,
  seq_out_of_range: 400,
  agent_unavailable: 409,
  upgrade_required: 426,
  misconfigured: 500,
  internal: 500,
  conversation_open: 409,
  already_rated: 409,
  signature_invalid: 401,
  timestamp_out_of_window: 401,
  reply_window_closed: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_conflict: 409,
  rate_limited: 429,
};

/** A failure with a code a client can act on; thrown by domain code, rendered by each transport. */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "SwitchboardError";
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}
