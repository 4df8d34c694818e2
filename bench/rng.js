// @ts-check
/** A small seeded PRNG (mulberry32): the same seed generates the same repository and spec. */

/**
 * @param {number} seed
 */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    /** [0, 1) */
    next,
    /** An integer in [lo, hi]. */
    /** @param {number} lo @param {number} hi */
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    /** @template T @param {readonly T[]} xs @returns {T} */
    pick: (xs) => /** @type {T} */ (xs[Math.floor(next() * xs.length)]),
    /** @param {number} p */
    chance: (p) => next() < p,
  };
}

/** @typedef {ReturnType<typeof rng>} Rng */
