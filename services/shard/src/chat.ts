/** Longest chat message relayed, in characters (UTF-16 units) before escaping. */
export const MAX_CHAT_LENGTH = 256;

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * What a chat message becomes before it is relayed, or null when there is nothing to say.
 * Trimmed, cut to MAX_CHAT_LENGTH (never inside a surrogate pair), control characters
 * removed, and HTML-escaped: the Kaetram client puts chat into the page as HTML, and
 * Kaetram's server escapes it for that reason (sanitizer.escape).
 */
export function cleanChat(raw: string): string | null {
  // eslint-disable-next-line no-control-regex
  let text = raw.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  if (text.length === 0) return null;
  if (text.length > MAX_CHAT_LENGTH) {
    text = text.slice(0, MAX_CHAT_LENGTH);
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) text = text.slice(0, -1);
    text = text.trimEnd();
  }
  return text.replace(/[&<>"']/g, (c) => HTML[c]!);
}

/** Kaetram treats a message starting with `/` or `;` as a command, never as chat. */
export function isCommand(text: string): boolean {
  return text.startsWith('/') || text.startsWith(';');
}
