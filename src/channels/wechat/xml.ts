import { SwitchboardError } from "../../model/index.ts";

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) =>
    e.startsWith("#x") ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith("#") ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e]!,
  );
}

/** An element's text: CDATA sections taken as they are, everything else entity-decoded. */
function textOf(inner: string): string {
  let out = "";
  let rest = inner;
  for (;;) {
    const start = rest.indexOf("<![CDATA[");
    if (start < 0) return out + decodeText(rest);
    out += decodeText(rest.slice(0, start));
    const end = rest.indexOf("]]>", start);
    if (end < 0) throw malformed("an unterminated CDATA section");
    out += rest.slice(start + 9, end);
    rest = rest.slice(end + 3);
  }
}

function malformed(what: string): SwitchboardError {
  return new SwitchboardError("invalid_request", `the WeChat XML is malformed: ${what}`);
}

/**
 * The fields of a WeChat push (`<xml><Field>value</Field>…</xml>`): WeChat's messages are one
 * flat level of elements, so that is all this reads. A nested element (an event's extra info)
 * is kept as its inner XML text; nothing is dropped.
 */
export function parseWechatXml(xml: string): Record<string, string> {
  const root = /<xml>([\s\S]*)<\/xml>/.exec(xml);
  if (!root) throw malformed("no <xml> root element");
  const body = root[1]!;
  const fields: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const open = body.indexOf("<", i);
    if (open < 0) break;
    const m = /^<([A-Za-z_][\w.-]*)\s*(\/?)>/.exec(body.slice(open));
    if (!m) throw malformed(`unexpected markup at offset ${open}`);
    const name = m[1]!;
    const contentStart = open + m[0].length;
    if (m[2] === "/") {
      fields[name] = "";
      i = contentStart;
      continue;
    }
    const close = closingTag(body, name, contentStart);
    fields[name] = textOf(body.slice(contentStart, close));
    i = close + name.length + 3;
  }
  return fields;
}

/** Where `</name>` closes the element opened before `from`, skipping CDATA and nested same-name elements. */
function closingTag(body: string, name: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < body.length) {
    if (body.startsWith("<![CDATA[", i)) {
      const end = body.indexOf("]]>", i);
      if (end < 0) throw malformed("an unterminated CDATA section");
      i = end + 3;
      continue;
    }
    if (body.startsWith(`</${name}>`, i)) {
      if (--depth === 0) return i;
      i += name.length + 3;
      continue;
    }
    if (body.startsWith(`<${name}>`, i)) depth++;
    i++;
  }
  throw malformed(`<${name}> is not closed`);
}
