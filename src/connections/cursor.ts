/** Opaque keyset cursors for connections(after:): base64url of the last row's sort key. */
import { isUuid } from '../validation/uuid.js';

export interface CursorKey {
  name: string;
  id: string;
}

export function encodeCursor(row: CursorKey): string {
  return Buffer.from(JSON.stringify([row.name, row.id])).toString('base64url');
}

/** undefined when the cursor is not one of ours. */
export function decodeCursor(cursor: string): CursorKey | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && isUuid(String(value[1]))) {
      return { name: value[0] as string, id: value[1] as string };
    }
  } catch {
    // fall through: not a cursor we issued
  }
  return undefined;
}
