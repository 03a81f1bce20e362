/**
 * mulberry32: a tiny deterministic PRNG. The same seed gives the same stream, so a swarm's
 * walks, a fuzz run or a property test can be repeated from its seed. The one copy in the
 * repository: the hardening suites and the shard's property tests import it from here.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
