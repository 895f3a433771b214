/**
 * A route's path as docs/permissions.md writes it: each `:param` named for what it holds, so the
 * matrix test knows which fixture to put there and a reader knows what the path takes.
 */
const NAMES: [RegExp, string][] = [
  [/\/users\/:id\/(deactivate|reactivate)$/, "victim"],
  [/\/(conversations|archive\/conversations)\/:id/, "conversation"],
  [/\/tickets\/:id/, "ticket"],
  [/\/users\/:id/, "user"],
  [/\/skill-groups\/:id/, "group"],
  [/\/schedules\/:id/, "schedule"],
  [/\/qa\/reviews\/:id/, "review"],
  [/\/channels\/wechat\/:id/, "account"],
  [/\/contacts\/:id/, "contact"],
  [/\/attachments\/:id/, "attachment"],
  [/\/api-keys\/:id/, "key"],
  [/\/webhooks\/deliveries\/:id/, "delivery"],
  [/\/webhooks\/:id/, "webhook"],
  [/\/context-lookups\/:id/, "lookup"],
  [/\/canned-replies\/:id/, "reply"],
];

export function documentedPath(path: string): string {
  let out = path.replace(/:v\b/, "{version}").replace(/:purpose\b/, "{purpose}").replace(/:accountId\b/, "{account}");
  out = out.replace(/:workspaceId\b/, "{workspace}").replace(/:widgetKey\b/, "{widget_key}").replace(/:address\b/, "{address}");
  for (const [pattern, name] of NAMES) if (pattern.test(out)) return out.replace(":id", `{${name}}`);
  return out;
}

/** `GET /api/x/{ticket}` and `GET /api/x/:id` name the same route. */
export function routeKey(methodAndPath: string): string {
  return methodAndPath.replace(/\{\w+\}|:\w+/g, ":*");
}
