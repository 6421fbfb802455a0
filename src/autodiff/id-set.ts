/**
 * Sets and maps of tensor ids for the tape's bookkeeping. A JS Map or Set costs about 300 bytes
 * even when it holds one entry (and an empty array grown by push, 150), and the small tapes of
 * an eager training step build several per gradient() call: that garbage is most of what a small
 * op's forward + backward costs (V8 gives the young generation fresh pages after each scavenge,
 * so every 4 KB of garbage is a page fault, 10-20 us on a loaded VM). These keep up to SMALL
 * entries in flat arrays of 4 to start with (a linear scan of a few numbers is faster than
 * hashing) and move to a Map or Set when they grow, so big tapes stay O(1) per lookup.
 */

/** Entries kept in arrays before moving to a hash table. */
const SMALL = 16;
const FIRST = 4;

export class IdSet {
  private ids: number[] = new Array<number>(FIRST);
  private n = 0;
  private big: Set<number> | null = null;

  static of(ids: Iterable<number>): IdSet {
    const s = new IdSet();
    for (const id of ids) s.add(id);
    return s;
  }

  get size(): number {
    return this.big === null ? this.n : this.big.size;
  }

  has(id: number): boolean {
    if (this.big !== null) return this.big.has(id);
    const ids = this.ids;
    for (let i = 0; i < this.n; i++) if (ids[i] === id) return true;
    return false;
  }

  add(id: number): void {
    if (this.big !== null) {
      this.big.add(id);
      return;
    }
    if (this.has(id)) return;
    if (this.n < SMALL) {
      this.ids[this.n++] = id;
      return;
    }
    const big = new Set<number>();
    for (let i = 0; i < this.n; i++) big.add(this.ids[i]);
    big.add(id);
    this.big = big;
    this.ids = [];
    this.n = 0;
  }

  /** The ids, in insertion order. */
  values(): Iterable<number> {
    return this.big ?? this.ids.slice(0, this.n);
  }

  /** Calls fn on each id (no iterator or copy made). */
  forEach(fn: (id: number) => void): void {
    if (this.big !== null) this.big.forEach(fn);
    else for (let i = 0; i < this.n; i++) fn(this.ids[i]);
  }
}

export class IdMap<V> {
  private keys: number[] = new Array<number>(FIRST);
  private vals: V[] = new Array<V>(FIRST);
  private n = 0;
  private big: Map<number, V> | null = null;

  get(id: number): V | undefined {
    if (this.big !== null) return this.big.get(id);
    const keys = this.keys;
    for (let i = 0; i < this.n; i++) if (keys[i] === id) return this.vals[i];
    return undefined;
  }

  has(id: number): boolean {
    return this.get(id) !== undefined || (this.big !== null && this.big.has(id));
  }

  set(id: number, v: V): void {
    if (this.big !== null) {
      this.big.set(id, v);
      return;
    }
    const keys = this.keys;
    for (let i = 0; i < this.n; i++) {
      if (keys[i] === id) {
        this.vals[i] = v;
        return;
      }
    }
    if (this.n < SMALL) {
      keys[this.n] = id;
      this.vals[this.n++] = v;
      return;
    }
    const m = new Map<number, V>();
    for (let i = 0; i < this.n; i++) m.set(keys[i], this.vals[i]);
    m.set(id, v);
    this.big = m;
    this.keys = [];
    this.vals = [];
    this.n = 0;
  }

  delete(id: number): void {
    if (this.big !== null) {
      this.big.delete(id);
      return;
    }
    const keys = this.keys;
    let i = 0;
    while (i < this.n && keys[i] !== id) i++;
    if (i === this.n) return;
    // Order does not matter to the tape: move the last entry into the hole.
    const last = --this.n;
    keys[i] = keys[last];
    this.vals[i] = this.vals[last];
    this.vals[last] = undefined as V; // let the tensor go
  }

  /** Calls fn on each key (no iterator or copy made; in no particular order after deletes). */
  forEachKey(fn: (id: number) => void): void {
    if (this.big !== null) for (const k of this.big.keys()) fn(k);
    else for (let i = 0; i < this.n; i++) fn(this.keys[i]);
  }
}
