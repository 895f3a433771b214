export * from "./canonical.ts";
export * from "./chain.ts";
export * from "./mask.ts";
export * from "./segment.ts";
export * from "./verify.ts";
export * from "./index-fields.ts";
