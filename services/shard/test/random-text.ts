// Seeded random strings for the property tests of chat.ts and packets.ts: a failure names
// its seed and reproduces.

// The repository's one mulberry32 (the hardening helpers re-export it too).
export { mulberry32 as prng } from '../../../tools/loadgen/src/prng';

const codes = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));

/** Character classes, each drawn as often as the others so rare ones show up. */
const POOLS: readonly (readonly string[])[] = [
  codes(0x20, 0x7e), // printable ASCII
  ['"', '\\', '/', "'", '&', '<', '>'], // JSON and HTML specials
  [...codes(0x00, 0x1f), '\u007f'], // controls
  codes(0x80, 0x9f), // C1 controls (U+0085 is no whitespace for JS)
  // Unicode whitespace that trim() removes, and U+180E that it no longer does
  ['\u00a0', '\u1680', ...codes(0x2000, 0x200a), '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u180e', ' ', '\t', '\n'],
  ['é', 'ß', 'Ω', '中', '\u200b', '\ufffe', '\uffff'], // other BMP
  ['😀', '🎉', '\u{10ffff}', '👍🏽'], // surrogate pairs
  [...codes(0xd800, 0xd803), '\udbff'], // lone high surrogates
  [...codes(0xdc00, 0xdc03), '\udfff'], // lone low surrogates
];

export function randomChar(rand: () => number): string {
  const pool = POOLS[Math.floor(rand() * POOLS.length)]!;
  return pool[Math.floor(rand() * pool.length)]!;
}

/** Random text of about `length` UTF-16 units (a pair counts two). */
export function randomText(rand: () => number, length: number): string {
  let s = '';
  while (s.length < length) s += randomChar(rand);
  return s;
}
