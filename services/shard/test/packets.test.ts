import * as P from '../src/packets';
import { prng, randomText } from './random-text';

/** Integers of every size and sign, plus what JSON.stringify does not print as written. */
function randomNumber(rand: () => number): number {
  const r = rand();
  if (r < 0.4) return Math.floor(rand() * 1024);
  if (r < 0.6) return Math.floor((rand() - 0.5) * 2 ** 53);
  if (r < 0.7) return -Math.floor(rand() * 100);
  const odd = [0, -0, NaN, Infinity, -Infinity, 0.5, -1.25, 1e21, -1e-7, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE];
  return odd[Math.floor(rand() * odd.length)]!;
}

function randomString(rand: () => number): string {
  // Mostly what the shard sends (instance ids, guest names, cleaned chat), then anything.
  const r = rand();
  if (r < 0.2) return `0-${Math.floor(rand() * 1e6)}`;
  if (r < 0.3) return `Guest${Math.floor(rand() * 1e4)}`;
  return randomText(rand, Math.floor(rand() * (r < 0.9 ? 20 : 300)));
}

describe('packet text builders', () => {
  it('packet text - known cases', () => {
    expect(P.chatText('0-1', 'Guest1', 'hi')).toBe('[19,{"instance":"0-1","name":"Guest1","message":"hi","withBubble":true,"colour":""}]');
    expect(P.moveText('0-1', 3, 4)).toBe('[11,4,{"instance":"0-1","x":3,"y":4,"forced":false}]');
    expect(P.teleportText('0-1', 3, 4)).toBe('[12,{"instance":"0-1","x":3,"y":4,"withAnimation":false}]');
    expect(P.despawnText('0-1')).toBe('[13,{"instance":"0-1"}]');
    expect(P.chatText('a"b', 'c\\d', '\u0001\ud800😀')).toBe(JSON.stringify(P.chat('a"b', 'c\\d', '\u0001\ud800😀')));
    expect(P.moveText('x', NaN, -0)).toBe('[11,4,{"instance":"x","x":null,"y":0,"forced":false}]');
  });

  it('packet text - equals JSON.stringify of the structured builder on seeded random input', () => {
    for (let seed = 1; seed <= 20_000; seed++) {
      const rand = prng(seed);
      const [a, b, c] = [randomString(rand), randomString(rand), randomString(rand)];
      const [x, y] = [randomNumber(rand), randomNumber(rand)];
      const pairs: [string, string][] = [
        [P.chatText(a, b, c), JSON.stringify(P.chat(a, b, c))],
        [P.moveText(a, x, y), JSON.stringify(P.move(a, x, y))],
        [P.teleportText(a, x, y), JSON.stringify(P.teleport(a, x, y))],
        [P.despawnText(a), JSON.stringify(P.despawn(a))],
      ];
      for (const [text, json] of pairs) {
        if (text !== json) throw new Error(`seed ${seed}: ${text} !== ${json}`);
      }
    }
  });

  it('packet text - every UTF-16 code unit is escaped as JSON.stringify does', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const s = `a${String.fromCharCode(c)}b`;
      const text = P.chatText(s, s, s);
      if (text !== JSON.stringify(P.chat(s, s, s))) throw new Error(`U+${c.toString(16)}: ${text}`);
    }
  });
});
