// Epoch-tagged visited set (as hnswlib's VisitedList): a node is visited when
// its tag equals the current epoch, so clearing is one increment.

export class VisitedSet {
  private tags: Uint16Array;
  private epoch = 1;

  constructor(capacity: number) {
    this.tags = new Uint16Array(capacity);
  }

  /** Starts a new traversal over nodes [0, capacity). O(1) except every 65535th call. */
  reset(capacity: number): void {
    if (capacity > this.tags.length) {
      this.tags = new Uint16Array(Math.max(capacity, this.tags.length * 2));
      this.epoch = 1;
      return;
    }
    this.epoch++;
    if (this.epoch === 65536) {
      this.tags.fill(0);
      this.epoch = 1;
    }
  }

  /** Marks `node`; returns true if it was not visited yet in this traversal. */
  visit(node: number): boolean {
    if (this.tags[node] === this.epoch) return false;
    this.tags[node] = this.epoch;
    return true;
  }

  has(node: number): boolean {
    return this.tags[node] === this.epoch;
  }
}
