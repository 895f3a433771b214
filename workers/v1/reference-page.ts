/**
 * The browsable API reference at /v1/docs, rendered here from the OpenAPI document: no script,
 * no CDN, so it works offline and behind a strict CSP.
 */
type Doc = { info: { title: string; version: string; description?: string }; paths: Record<string, Record<string, Operation>> };
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: unknown }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
};

const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);
const schemaBlock = (schema: unknown) => `<details><summary>schema</summary><pre>${escape(JSON.stringify(schema, null, 2))}</pre></details>`;

export function referencePage(doc: Doc): string {
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const anchor = `${method}-${path}`.replace(/[^a-z0-9]+/gi, "-");
      const params = (op.parameters ?? [])
        .map((p) => `<li><code>${escape(p.name)}</code> (${p.in}${p.required ? ", required" : ""})${p.description ? ` — ${escape(p.description)}` : ""}</li>`)
        .join("");
      const body = op.requestBody ? `<h4>Body</h4>${schemaBlock(Object.values(op.requestBody.content)[0]?.schema)}` : "";
      const responses = Object.entries(op.responses)
        .map(([code, r]) => `<li><b>${code}</b> ${escape(r.description)}${r.content && code.startsWith("2") ? schemaBlock(Object.values(r.content)[0]?.schema) : ""}</li>`)
        .join("");
      const html =
        `<section id="${anchor}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>/v1${escape(path)}</code></h3>` +
        `<p>${escape(op.summary ?? "")}</p>${op.description ? `<p>${escape(op.description)}</p>` : ""}` +
        `${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ""}${body}<h4>Responses</h4><ul>${responses}</ul></section>`;
      const tag = op.tags?.[0] ?? "Other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2>${escape(tag)}</h2>${ops.join("")}`).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
section{border-top:1px solid #dde;padding:.5rem 0}pre{background:#f5f6fa;padding:.75rem;overflow:auto;font-size:13px}
.m{display:inline-block;min-width:4.5rem;font-size:12px;padding:2px 6px;border-radius:3px;color:#fff;text-align:center}
.get{background:#2b7}.post{background:#27c}.patch{background:#c82}.put{background:#a5c}.delete{background:#c33}</style></head>
<body><h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1><p>${escape(doc.info.description ?? "")}</p>
<p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI 3.1).</p>${sections}</body></html>`;
}
