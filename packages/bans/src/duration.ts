// Ban durations as operators write them: "90s", "30m", "24h", "7d", "2w", or combined ("1h30m").
// A bare number is seconds. Zero, negative, fractional nonsense and anything over ten years is
// refused with a message saying why.

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
export const MAX_DURATION_MS = 10 * 365 * 86_400_000;

export class DurationError extends Error {
  override name = 'DurationError';
}

/** Milliseconds; throws DurationError naming the problem. */
export function parseDuration(value: unknown): number {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new DurationError('"for" must be a finite number of seconds or a duration like "24h"');
    ms = value * 1000;
  } else if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text.startsWith('-')) throw new DurationError(`"for" must be positive, got ${JSON.stringify(value)}`);
    if (/^\d+(\.\d+)?$/.test(text)) {
      ms = Number(text) * 1000;
    } else {
      const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/.test(text) ? text.match(/\d+(?:\.\d+)?(?:ms|s|m|h|d|w)/g) : null;
      if (!parts) throw new DurationError(`"for" must be a duration like "90s", "30m", "24h", "7d" or "1h30m", got ${JSON.stringify(value)}`);
      ms = 0;
      for (const part of parts) {
        const [, amount, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(part)!;
        ms += Number(amount) * UNITS[unit!]!;
      }
    }
  } else {
    throw new DurationError('"for" must be a duration string like "24h" or a number of seconds');
  }
  ms = Math.round(ms);
  if (ms <= 0) throw new DurationError(`"for" must be positive, got ${JSON.stringify(value)}`);
  if (ms > MAX_DURATION_MS) throw new DurationError(`"for" is at most ten years (leave it out for a ban without end), got ${JSON.stringify(value)}`);
  return ms;
}
