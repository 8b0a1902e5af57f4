/**
 * A least-recently-used map of serialized responses bounded by bytes, with an optional time to live.
 * Bytes, not entries, because one drift page of 1,000 events weighs as much as a thousand small pages.
 */
export type ByteLruCacheOptions = {
  maxBytes: number;
  /** Entries expire this long after the time given to `set`; absent: they live until evicted. */
  ttlMs?: number;
  now?: () => number;
};

type Slot<V> = { value: V; bytes: number; expiresAt: number };

export function createByteLruCache<V>({
  maxBytes,
  ttlMs,
  now = () => performance.now(),
}: ByteLruCacheOptions) {
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recently used first.
  const slots = new Map<string, Slot<V>>();
  let bytes = 0;
  let evictions = 0;

  const remove = (key: string, slot: Slot<V>) => {
    slots.delete(key);
    bytes -= slot.bytes;
  };

  return {
    get(key: string): V | undefined {
      const slot = slots.get(key);
      if (!slot) return undefined;
      if (slot.expiresAt <= now()) {
        remove(key, slot);
        return undefined;
      }
      slots.delete(key);
      slots.set(key, slot);
      return slot.value;
    },

    /**
     * `size` is the entry's weight in bytes; `since` is when the data was read, so an entry is never served
     * more than `ttlMs` after the read that produced it (not after the end of a slow query). Returns whether the
     * entry was kept (not when it weighs more than the bound or has already expired).
     */
    set(key: string, value: V, size: number, since = now()): boolean {
      const weight = size + key.length;
      const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : since + ttlMs;
      const previous = slots.get(key);
      if (previous) remove(key, previous);
      if (weight > maxBytes || expiresAt <= now()) return false;
      slots.set(key, { value, bytes: weight, expiresAt });
      bytes += weight;
      for (const [oldKey, oldest] of slots) {
        if (bytes <= maxBytes) break;
        remove(oldKey, oldest);
        evictions += 1;
      }
      return true;
    },

    clear(): void {
      slots.clear();
      bytes = 0;
    },

    stats() {
      return { entries: slots.size, bytes, maxBytes, evictions };
    },
  };
}

export type ByteLruCache<V> = ReturnType<typeof createByteLruCache<V>>;
