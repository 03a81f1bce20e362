/** Cheap looks into a server frame's bytes, without JSON.parse on the hot path. */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Packets in a Kaetram server frame `[[id,...],[id,...]]`: arrays opened at depth 2,
 * skipping string contents (escapes included).
 */
export function countPackets(buf: Uint8Array): number {
  let depth = 0;
  let count = 0;
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const c = buf[i]!;
    if (c === QUOTE) {
      // Skip the string.
      for (i++; i < n; i++) {
        const d = buf[i]!;
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === OPEN_ARRAY) {
      depth++;
      if (depth === 2) count++;
    } else if (c === OPEN_OBJECT) {
      depth++;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return count;
}

/** Reads the unsigned decimal number starting at `offset` (NaN when there is none). */
export function readUint(buf: Uint8Array, offset: number): { value: number; end: number } {
  let value = 0;
  let i = offset;
  while (i < buf.length) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
    i++;
  }
  return { value: i === offset ? NaN : value, end: i };
}
