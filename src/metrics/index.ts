export * from "./buckets.ts";
export * from "./facts.ts";
export * from "./fold.ts";
export * from "./report.ts";
