/** A seeded pseudo-random source (mulberry32), so a fault run can be reproduced from its seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One of `items`, chosen by `random`. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("nothing to pick from");
  return item;
}

/** The seed of a run: FAULT_SEED if set (to reproduce one), else the scenario's own. */
export function seedOf(fallback: number): number {
  const raw = process.env.FAULT_SEED;
  return raw && /^\d+$/.test(raw) ? Number(raw) : fallback;
}
