// Fixed-capacity binary heaps on typed arrays: distances in a Float64Array,
// node ids in an Int32Array. No objects per element; `clear()` is O(1).

/** Storage shared by both heaps: parallel key and value arrays, grown by doubling. */
abstract class TypedHeap {
  keys: Float64Array;
  values: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.values = new Int32Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  /** Makes room for at least `capacity` elements, keeping the contents. */
  reserve(capacity: number): void {
    if (capacity <= this.keys.length) return;
    const keys = new Float64Array(capacity);
    const values = new Int32Array(capacity);
    keys.set(this.keys);
    values.set(this.values);
    this.keys = keys;
    this.values = values;
  }

  topKey(): number {
    return this.keys[0];
  }

  topValue(): number {
    return this.values[0];
  }
}

/** Min-heap by distance: the candidate set C of the paper (closest on top). */
export class MinHeap extends TypedHeap {
  push(key: number, value: number): void {
    if (this.size === this.keys.length) this.reserve(this.size * 2 + 16);
    const keys = this.keys;
    const values = this.values;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] <= key) break;
      keys[i] = keys[parent];
      values[i] = values[parent];
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  /** Removes the top; read it first with `topKey`/`topValue`. */
  pop(): void {
    const keys = this.keys;
    const values = this.values;
    const n = --this.size;
    if (n === 0) return;
    const key = keys[n];
    const value = values[n];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1] < keys[child]) child++;
      if (keys[child] >= key) break;
      keys[i] = keys[child];
      values[i] = values[child];
      i = child;
    }
    keys[i] = key;
    values[i] = value;
  }
}

/** Max-heap by distance: the dynamic result list W of the paper (furthest on top). */
export class MaxHeap extends TypedHeap {
  push(key: number, value: number): void {
    if (this.size === this.keys.length) this.reserve(this.size * 2 + 16);
    const keys = this.keys;
    const values = this.values;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] >= key) break;
      keys[i] = keys[parent];
      values[i] = values[parent];
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  pop(): void {
    const keys = this.keys;
    const values = this.values;
    const n = --this.size;
    if (n === 0) return;
    const key = keys[n];
    const value = values[n];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1] > keys[child]) child++;
      if (keys[child] <= key) break;
      keys[i] = keys[child];
      values[i] = values[child];
      i = child;
    }
    keys[i] = key;
    values[i] = value;
  }

  /**
   * Empties the heap into `outKeys`/`outValues` nearest first (ascending
   * distance); returns the count. Equal distances come out in whatever order
   * the heap pops them, not by id: callers that need a stable order (the
   * search results, ties by lower node id) sort the ties themselves.
   */
  drainAscending(outKeys: Float64Array, outValues: Int32Array): number {
    const n = this.size;
    for (let i = n - 1; i >= 0; i--) {
      outKeys[i] = this.keys[0];
      outValues[i] = this.values[0];
      this.pop();
    }
    return n;
  }
}
