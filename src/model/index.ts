/** The wire model shared by the edge, the web clients and third-party clients. */
export * from "./actor.ts";
export * from "./agent-frames.ts";
export * from "./content.ts";
export * from "./context.ts";
export * from "./errors.ts";
export * from "./event.ts";
export * from "./frames.ts";
export * from "./http.ts";
export * from "./ids.ts";
export * from "./limits.ts";
export * from "./state.ts";
export * from "./directory.ts";
export * from "./canned-replies.ts";
