/** Reproducible randomness, for whoever needs the same numbers again from the same seed. */

/** A source of uniform numbers in [0, 1): `Math.random` in production, `seededRandom(n)` in tests. */
export type Random = () => number;

/**
 * A small seeded generator (mulberry32): the same seed gives the same sequence, so automatic
 * choice's exploration is reproducible in tests and in the evaluation bench, and the simulator
 * draws the same picture for the same prediction.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
