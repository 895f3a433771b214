import { SwitchboardError } from "../../src/model/index.ts";

/** A keyset position (sort value + id): stable while rows are added or change around it. */
export interface Cursor {
  k: number;
  id: string;
}

export function encodeCursor(k: number, id: string): string {
  return btoa(JSON.stringify({ k, id } satisfies Cursor));
}

export function decodeCursor(cursor: string): Cursor {
  try {
    const c = JSON.parse(atob(cursor)) as Cursor;
    if (typeof c.k === "number" && typeof c.id === "string") return c;
  } catch {
    // fall through
  }
  throw new SwitchboardError("invalid_request", "the cursor is not one this API returned");
}

/** One page out of `limit + 1` rows: the extra row only says there is more. */
export function page<R, T>(rows: R[], limit: number, toWire: (row: R) => T, keyOf: (row: R) => Cursor) {
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(toWire), next_cursor: more && last ? encodeCursor(keyOf(last).k, keyOf(last).id) : null };
}
