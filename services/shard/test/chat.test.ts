import { MAX_CHAT_LENGTH, cleanChat } from '../src/chat';
import { prng, randomText } from './random-text';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { cleanChatTwoPass } = require('./clean-chat-two-pass') as { cleanChatTwoPass: (raw: string, maxLength: number) => string | null };

/** The reference model: cleanChat as it was before the one-pass version (two regex passes). */
const cleanChatReference = (raw: string): string | null => cleanChatTwoPass(raw, MAX_CHAT_LENGTH);

const BLANKS = [' ', '\t', '\n', '\u0000', '\u001f', '\u007f', '\u00a0', '\u2028', '\u3000', '\ufeff'];

describe('cleanChat', () => {
  it('cleanChat - known cases', () => {
    expect(cleanChat('  hi\u0000there  ')).toBe('hi there');
    expect(cleanChat('<b>"a" & \'b\'</b>')).toBe('&lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;');
    expect(cleanChat('')).toBeNull();
    expect(cleanChat(' \u0001\t\u007f\u3000 ')).toBeNull();
    expect(cleanChat('x'.repeat(MAX_CHAT_LENGTH - 1) + '😀')).toBe('x'.repeat(MAX_CHAT_LENGTH - 1));
    expect(cleanChat('x'.repeat(MAX_CHAT_LENGTH - 2) + '😀')).toBe('x'.repeat(MAX_CHAT_LENGTH - 2) + '😀');
  });

  it('cleanChat - equals the two-pass original on seeded random text', () => {
    for (let seed = 1; seed <= 10_000; seed++) {
      const rand = prng(seed);
      const r = rand();
      // Short, around the cut, long; and texts padded at both ends.
      const length =
        r < 0.3 ? Math.floor(rand() * 12) : r < 0.7 ? MAX_CHAT_LENGTH - 4 + Math.floor(rand() * 10) : Math.floor(rand() * 700);
      let raw = randomText(rand, length);
      if (rand() < 0.5) {
        const pad = () => Array.from({ length: Math.floor(rand() * 6) }, () => BLANKS[Math.floor(rand() * BLANKS.length)]).join('');
        raw = pad() + raw + pad();
      }
      const got = cleanChat(raw);
      if (got !== cleanChatReference(raw)) throw new Error(`seed ${seed}: ${JSON.stringify(raw)} -> ${JSON.stringify(got)}`);
    }
  });

  it('cleanChat - equals the original when a pair, a lone surrogate or blanks sit at the cut', () => {
    const around = ['😀', '\ud800', '\udc00', ' ', '\u0000', '\u3000', '&', 'x'];
    for (let lead = 0; lead <= 3; lead++) {
      for (let body = MAX_CHAT_LENGTH - 4; body <= MAX_CHAT_LENGTH + 2; body++) {
        for (const a of around) {
          for (const b of around) {
            const raw = ' '.repeat(lead) + 'y'.repeat(body) + a + b + '\t'.repeat(lead);
            expect(cleanChat(raw)).toBe(cleanChatReference(raw));
            const blanks = 'y' + ' '.repeat(body) + a + b;
            expect(cleanChat(blanks)).toBe(cleanChatReference(blanks));
          }
        }
      }
    }
  });

  it('cleanChat - equals the original for every single character', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const raw of [ch, `a${ch}`, `${ch}a`, `a${ch}a`]) {
        if (cleanChat(raw) !== cleanChatReference(raw)) throw new Error(`U+${c.toString(16)} in ${JSON.stringify(raw)}`);
      }
    }
  });
});
