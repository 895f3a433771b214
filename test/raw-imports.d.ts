/** Vite's raw imports: tests read documents (e.g. the worked example in docs/webhooks.md) to check them. */
declare module "*?raw" {
  const text: string;
  export default text;
}
