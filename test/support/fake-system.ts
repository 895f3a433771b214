/**
 * A customer's business system (CRM, order system) answering context lookups — faked at the fetch
 * boundary: fetches to its origin are answered here, everything else goes out as before.
 */
export class FakeSystem {
  readonly requests: Request[] = [];
  handler: (request: Request) => Response | Promise<Response> = () => Response.json({});
  private original: typeof fetch | undefined;

  readonly origin: string;

  constructor(origin: string) {
    this.origin = origin;
  }

  install(): this {
    this.original = globalThis.fetch;
    const original = this.original;
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      if (!request.url.startsWith(this.origin)) return original(input, init);
      this.requests.push(request);
      return this.handler(request);
    }) as typeof fetch;
    return this;
  }

  uninstall(): void {
    if (this.original) globalThis.fetch = this.original;
  }
}
