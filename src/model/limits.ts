/** Documented in docs/protocol.md ("Limits"); change both together. */
export const LIMITS = {
  /** Largest WebSocket frame or HTTP body the conversation service reads, in UTF-8 bytes. */
  maxFrameBytes: 64 * 1024,
  textChars: 8000,
  urlChars: 2048,
  /** Events sent per replay page before the client must ask for the next one with `sync`. */
  replayPage: 500,
  /** Longest a long-poll for new events may wait, in seconds. */
  maxLongPollSeconds: 25,
  trailEntries: 50,
  /** Visitor tokens last this long; the widget asks for a fresh one on expiry. */
  visitorTokenSeconds: 24 * 60 * 60,
  /** Agent sessions last this long unless revoked by sign-out. */
  sessionSeconds: 12 * 60 * 60,
} as const;
