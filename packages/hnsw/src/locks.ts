// Lock words on an Int32Array for the parallel build (hnswlib's per-node
// mutexes): 0 free, 1 held, 2 held with waiters. Only used when an index is
// being written by several threads; single-threaded code never calls them.

const SPINS = 64;

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
let canWait: boolean | undefined;

function mayWait(words: Int32Array): boolean {
  if (canWait === undefined) {
    try {
      Atomics.wait(words, 0, 0x7fffffff, 0);
      canWait = true;
    } catch {
      canWait = false;
    }
  }
  return canWait;
}

/** Takes the lock word `words[i]`, spinning briefly, then sleeping on it. */
export function acquireLock(words: Int32Array, i: number): void {
  if (Atomics.compareExchange(words, i, 0, 1) === 0) return;
  for (let spin = 0; spin < SPINS; spin++) {
    if (Atomics.load(words, i) === 0 && Atomics.compareExchange(words, i, 0, 1) === 0) return;
  }
  const wait = mayWait(words);
  while (Atomics.exchange(words, i, 2) !== 0) {
    if (wait) Atomics.wait(words, i, 2);
  }
}

/** Releases `words[i]`, waking one waiter if any. */
export function releaseLock(words: Int32Array, i: number): void {
  if (Atomics.sub(words, i, 1) !== 1) {
    Atomics.store(words, i, 0);
    Atomics.notify(words, i, 1);
  }
}
