import type { DeliveryStatus, Participant } from "../model/index.ts";

/**
 * A message's status as its sender sees it: the furthest any other participant got with it.
 * Receipts are cumulative watermarks, so one comparison per participant answers it.
 */
export function deliveryStatus(seq: number, senderId: string, participants: readonly Participant[]): DeliveryStatus {
  let best: DeliveryStatus = "queued";
  for (const p of participants) {
    if (p.id === senderId) continue;
    if (p.read_seq >= seq) return "read";
    if (p.delivered_seq >= seq) best = "delivered";
    else if (p.dispatched_seq >= seq && best === "queued") best = "dispatched";
  }
  return best;
}
