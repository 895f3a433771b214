import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import { LIMITS, SwitchboardError } from "../../src/model/index.ts";
import { onError } from "../http/errors.ts";
import { authenticateKey } from "./middleware.ts";
import { v1Router } from "./openapi.ts";
import { referencePage } from "./reference-page.ts";
import { contactsV1 } from "./routes/contacts.ts";
import { conversationsV1 } from "./routes/conversations.ts";
import { directoryV1 } from "./routes/directory.ts";
import { metricsV1 } from "./routes/metrics.ts";
import { ticketsV1 } from "./routes/tickets.ts";
import { webhooksV1 } from "./routes/webhooks.ts";

function tooLarge(): never {
  throw new SwitchboardError("frame_too_large", `request bodies are limited to ${LIMITS.maxFrameBytes} bytes`);
}

const DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "Switchboard open API",
    version: "1",
    description: "REST for integrations: authenticate with a workspace API key (docs/open-api.md).",
  },
  servers: [{ url: "/v1" }],
};

/** The documented routes only; the document and reference page are mounted around them. */
export const v1Routes = v1Router();
v1Routes.use("*", bodyLimit({ maxSize: LIMITS.maxFrameBytes, onError: tooLarge }), authenticateKey);
v1Routes.route("/", conversationsV1).route("/", contactsV1).route("/", directoryV1).route("/", ticketsV1).route("/", webhooksV1).route("/", metricsV1);
v1Routes.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
  type: "http",
  scheme: "bearer",
  description: "A workspace API key (`sbk_…`), created by an admin with the scopes the integration needs.",
});

export function openApiDocument() {
  return v1Routes.getOpenAPI31Document(DOCUMENT);
}

export const v1App = v1Router()
  .get("/openapi.json", (c) => c.json(openApiDocument()))
  .get("/docs", (c) => c.html(referencePage(openApiDocument() as unknown as Parameters<typeof referencePage>[0])))
  .route("/", v1Routes)
  .onError((err, c) => {
    // The JSON validator reports a body that is not JSON as an HTTPException.
    if (err instanceof HTTPException && err.status === 400) return onError(new SwitchboardError("invalid_json", "the request body is not valid JSON"), c as never);
    return onError(err, c as never);
  });
