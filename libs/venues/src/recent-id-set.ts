/**
 * The last `capacity` ids seen, for applying a trade once when it arrives twice (two
 * connections overlapping during a rotation, a venue snapshot after a reconnect). Bounded:
 * the oldest id is forgotten first, so memory stays flat however long the feed runs; the
 * capacity only has to cover how far back a duplicate can arrive. Capacity 0 disables it.
 */
export class RecentIdSet {
  private readonly ids = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`capacity must be a non-negative integer, got ${capacity}`);
    this.ring = new Array<string | undefined>(capacity);
  }

  /** Records `id`; true when it was not among the recent ones (first sighting). */
  add(id: string): boolean {
    if (this.capacity === 0) return true;
    if (this.ids.has(id)) return false;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.ids.delete(evicted);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.ids.add(id);
    return true;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
