import { maskDeep, maskPii, searchableText } from "../../src/archive/index.ts";
import type { ConversationEvent } from "../../src/model/index.ts";
import type { Database } from "../db.ts";
import { type ConversationRow, summaryOf } from "../directory/conversation-index.ts";
import { archivedEvents, contactOf } from "./transcript.ts";

export const CSV_COLUMNS = ["conversation_id", "channel", "contact_id", "seq", "at", "sender_role", "sender_id", "visibility", "kind", "text"] as const;

/** One CSV field: quoted when needed, and never read as a formula by a spreadsheet. */
export function csvField(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRows(row: ConversationRow, events: ConversationEvent[], raw: boolean): string {
  let out = "";
  for (const e of events) {
    if (e.type !== "message") continue;
    const text = searchableText(e.content);
    const fields = [row.id, row.channel, row.contactId, e.seq, new Date(e.at).toISOString(), e.sender.role, e.sender.id, e.visibility, e.content.kind, raw ? text : maskPii(text)];
    out += `${fields.map(csvField).join(",")}\r\n`;
  }
  return out;
}

/**
 * The export body, streamed one conversation at a time so memory stays bounded by the largest
 * conversation. NDJSON: one line per conversation with its contact and every event. CSV: one
 * row per message.
 */
export function exportStream(db: Database, bucket: R2Bucket, rows: ConversationRow[], format: "ndjson" | "csv", raw: boolean): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (format === "csv") controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(",")}\r\n`));
    },
    async pull(controller) {
      const row = rows[next++];
      if (!row) return controller.close();
      const events = await archivedEvents(bucket, row);
      if (format === "csv") {
        controller.enqueue(encoder.encode(csvRows(row, events, raw)));
      } else {
        const record = { conversation: { ...summaryOf(row), archived_seq: row.archivedSeq }, contact: await contactOf(db, row.workspaceId, row.contactId), events };
        controller.enqueue(encoder.encode(`${JSON.stringify(raw ? record : maskDeep(record))}\n`));
      }
    },
  });
}
