export * from "./sampling.ts";
export * from "./scorecard.ts";
