/** Longest chat message relayed, in characters (UTF-16 units) before escaping. */
export const MAX_CHAT_LENGTH = 256;

// Control characters become spaces, the HTML specials their entities: one regex pass.
const REPLACEMENT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f&<>"']/g;
const replace = (c: string) => REPLACEMENT[c] ?? ' ';
// Exactly what String.prototype.trim removes (WhiteSpace and LineTerminator).
const WHITESPACE = /\s/;

/** Whether trim() would remove text[i] once control characters are spaces. */
function blank(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c <= 0x20 || c === 0x7f || (c >= 0xa0 && WHITESPACE.test(text[i]!));
}

/**
 * What a chat message becomes before it is relayed, or null when there is nothing to say.
 * Trimmed, cut to MAX_CHAT_LENGTH (never inside a surrogate pair), control characters
 * replaced by spaces, and HTML-escaped: the Kaetram client puts chat into the page as HTML,
 * and Kaetram's server escapes it for that reason (sanitizer.escape).
 * The ends are found by scanning (a control character counts as the space it becomes), so
 * only the kept text goes through the regex, once. test/clean-chat-two-pass.js holds the two-pass
 * original; test/chat.test.ts checks this against it.
 */
export function cleanChat(raw: string): string | null {
  let start = 0;
  let end = raw.length;
  while (start < end && blank(raw, start)) start++;
  if (start === end) return null;
  while (blank(raw, end - 1)) end--;
  if (end - start > MAX_CHAT_LENGTH) {
    end = start + MAX_CHAT_LENGTH;
    const last = raw.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    // Stops at raw[start] at the latest: it is not blank.
    while (blank(raw, end - 1)) end--;
  }
  return raw.slice(start, end).replace(UNSAFE, replace);
}

/** Kaetram treats a message starting with `/` or `;` as a command, never as chat. */
export function isCommand(text: string): boolean {
  return text.startsWith('/') || text.startsWith(';');
}
