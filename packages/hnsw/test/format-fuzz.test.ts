// Hostile input for both loaders: seeded random byte flips and truncations of
// native files (every one refused), checksum-repaired mutations that reach
// the structural checks, hand-made hostile headers, and fuzzed hnswlib files
// (no checksum there: refused, or loaded as a graph that is safe to search).

import { describe, expect, it } from 'vitest';
import {
  CorruptFileError, HnswIndex, NATIVE_HEADER_BYTES, SmallworldRangeError, SmallworldTypeError, crc32, fromHnswlibBytes,
  readNativeHeader, toHnswlibBytes,
} from '../src/index.js';
import { checkGraphInvariants } from './helpers/graph-invariants.js';
import { clustered, seededRandom } from './helpers/data.js';

const dim = 12;
const n = 200;
const data = clustered(n, dim, 5);
const index = new HnswIndex({ space: 'l2', dim, m: 4, efConstruction: 20, seed: 3 });
index.addBatch(data);
for (let label = 0; label < n; label += 17) index.markDeleted(label);
const original = index.toBytes();
const header = readNativeHeader(original);
const section = (name: 'vectors' | 'links0' | 'upperOffsets' | 'upperLinks' | 'levels' | 'labels' | 'deleted') =>
  header.sections[['vectors', 'links0', 'upperOffsets', 'upperLinks', 'levels', 'labels', 'deleted'].indexOf(name)];
const query = data.subarray(0, dim);

/** Recomputes every section CRC, the vectors CRC and the header CRC, so a mutation reaches the structural checks. */
function repairChecksums(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let s = 0; s < 7; s++) {
    const at = 88 + s * 24;
    const offset = Number(view.getBigUint64(at + 8, true));
    const length = Number(view.getBigUint64(at + 16, true));
    if (offset + length > bytes.length) continue;
    const crc = crc32(bytes.subarray(offset, offset + length));
    view.setUint32(at + 4, crc, true);
    if (s === 0 && length > 0) view.setUint32(80, crc, true);
  }
  view.setUint32(NATIVE_HEADER_BYTES - 8, crc32(bytes.subarray(0, NATIVE_HEADER_BYTES - 8)), true);
  return bytes;
}

function mutate(edit: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = original.slice();
  edit(new DataView(bytes.buffer), bytes);
  return repairChecksums(bytes);
}

/** The refusal every loader must give: a typed error with a code, never a RangeError from an allocation or a crash. */
function expectRefusedOrSafe(load: () => HnswIndex): 'refused' | 'loaded' {
  let loaded: HnswIndex;
  try {
    loaded = load();
  } catch (error) {
    const typed = error instanceof CorruptFileError || error instanceof SmallworldRangeError || error instanceof SmallworldTypeError;
    if (!typed) throw error;
    return 'refused';
  }
  const unsafe = checkGraphInvariants(loaded.store, { reachability: false })
    .filter((problem) => /degree|dangling|of level|entry point|max level/.test(problem));
  expect(unsafe).toEqual([]);
  const result = loaded.search(query, 5, { efSearch: 20 });
  expect(result.labels.length).toBeLessThanOrEqual(5);
  loaded.add(data.subarray(dim, 2 * dim));
  return 'loaded';
}

describe('native loader under random damage', () => {
  it('refuses every random byte flip (seeded, 400 files)', () => {
    const random = seededRandom(42);
    for (let trial = 0; trial < 400; trial++) {
      const bytes = original.slice();
      const flips = 1 + Math.floor(random() * 3);
      for (let f = 0; f < flips; f++) {
        // Half the flips land in the header, where the most fields are.
        const at = random() < 0.5 ? Math.floor(random() * NATIVE_HEADER_BYTES) : Math.floor(random() * bytes.length);
        bytes[at] ^= 1 + Math.floor(random() * 255);
      }
      expect(() => HnswIndex.fromBytes(bytes), `trial ${trial}`).toThrow(CorruptFileError);
    }
  });

  it('refuses every truncation and any extra byte', () => {
    const random = seededRandom(7);
    const lengths = [0, 1, 8, 15, 16, NATIVE_HEADER_BYTES - 1, NATIVE_HEADER_BYTES, original.length - 1];
    for (let i = 0; i < 150; i++) lengths.push(Math.floor(random() * original.length));
    for (const length of lengths) {
      expect(() => HnswIndex.fromBytes(original.subarray(0, length)), `length ${length}`).toThrow(CorruptFileError);
    }
    const longer = new Uint8Array(original.length + 8);
    longer.set(original);
    expect(() => HnswIndex.fromBytes(longer)).toThrow(/describes/);
  });

  it('refuses or safely loads checksum-repaired random mutations (seeded, 400 files)', () => {
    const random = seededRandom(99);
    let refused = 0;
    for (let trial = 0; trial < 400; trial++) {
      const bytes = mutate((view, b) => {
        const flips = 1 + Math.floor(random() * 3);
        for (let f = 0; f < flips; f++) {
          // Skip the magic (always refused); aim at the header, the link sections or anywhere.
          const pick = random();
          const graph = section('links0');
          const at = pick < 0.3 ? 8 + Math.floor(random() * (NATIVE_HEADER_BYTES - 16))
            : pick < 0.7 ? graph.offset + Math.floor(random() * (b.length - graph.offset))
              : 8 + Math.floor(random() * (b.length - 8));
          b[at] ^= 1 + Math.floor(random() * 255);
        }
        void view;
      });
      if (expectRefusedOrSafe(() => HnswIndex.fromBytes(bytes)) === 'refused') refused++;
    }
    // Most structural mutations are caught; the rest are harmless (a vector component, an id to another node).
    expect(refused).toBeGreaterThan(200);
  });
});

describe('native loader against hand-made hostile files (checksums valid)', () => {
  const cases: [string, (view: DataView, bytes: Uint8Array) => void, RegExp][] = [
    ['bad magic', (_, b) => { b[1] = 0x41; }, /bad magic/],
    ['a future version', (v) => v.setUint32(8, 3, true), /format version 3 is not supported/],
    ['a node count far beyond the file', (v) => v.setUint32(52, 2 ** 31 - 1, true), /vectors section is 9600 bytes; the header's counts need/],
    ['a count of 2^32 - 1', (v) => v.setUint32(52, 2 ** 32 - 1, true), /exceeds 2\^31 - 1/],
    ['a giant dimension', (v) => v.setUint32(24, 1e9, true), /dimension 1000000000 is outside/],
    ['M0 != 2M', (v) => v.setUint32(32, 9, true), /M0 = 9 must be 2M = 8/],
    ['a section offset moved', (v) => v.setBigUint64(88 + 24 + 8, 1n << 40n, true), /links0 section at byte/],
    ['a section length beyond 2^53', (v) => v.setBigUint64(88 + 16, 1n << 60n, true), /beyond any file size/],
    ['unknown flags', (v) => v.setUint32(20, 0x10 | 1, true), /unknown flags/],
    ['a level-0 id out of range', (v) => v.setInt32(section('links0').offset + 4 * 9 * 3 + 4, n + 5, true), /links to node 205 at level 0/],
    ['a negative level-0 id', (v) => v.setInt32(section('links0').offset + 4, -1, true), /links to node -1/],
    ['a level-0 degree above M0', (v) => v.setInt32(section('links0').offset + 4 * 9 * 2, 9, true), /9 links at level 0 \(at most M0 = 8\)/],
    ['an entry point out of range', (v) => v.setInt32(56, n, true), /entry point 200 is not one of/],
    ['a top level that disagrees', (v) => v.setInt32(60, 0, true), /top level/],
    ['a level raised without an upper record', (_, b) => { b[section('levels').offset + firstLevel0()] = 1; }, /node \d+ of level 1 has upper offset -1, outside/],
    ['an upper offset outside the arena', (v) => v.setInt32(section('upperOffsets').offset + 4 * firstUpper(), 1e6, true), /outside the .*-int arena/],
    ['a non-integer label', (v) => v.setFloat64(section('labels').offset + 8 * 4, 1.5, true), /label 1.5/],
    ['a NaN label', (v) => v.setFloat64(section('labels').offset + 8 * 4, NaN, true), /label NaN/],
    ['a duplicate label', (v) => v.setFloat64(section('labels').offset + 8 * 4, 3, true), /repeats the label 3/],
    ['a deleted flag of 2', (_, b) => { b[section('deleted').offset + 1] = 2; }, /deleted flag of node 1 is 2/],
    ['a deleted count that disagrees', (v) => v.setUint32(68, 0, true), /marked deleted; the header says 0/],
    ['a non-finite vector', (v) => v.setFloat32(section('vectors').offset + 4 * 30, Infinity, true), /node 2 has a non-finite/],
    ['non-zero padding', (_, b) => { b[section('upperLinks').offset + section('upperLinks').length] = 1; }, /padding byte .* after the upperLinks section/],
  ];

  function firstLevel0(): number {
    return index.store.levels.findIndex((level) => level === 0);
  }
  function firstUpper(): number {
    return index.store.levels.findIndex((level) => level > 0);
  }

  for (const [name, edit, message] of cases) {
    it(`refuses ${name}`, () => {
      expect(() => HnswIndex.fromBytes(mutate(edit))).toThrow(CorruptFileError);
      expect(() => HnswIndex.fromBytes(mutate(edit))).toThrow(message);
    });
  }

  it('refuses an upper-level link to a node without that level', () => {
    const store = index.store;
    const node = firstUpper();
    const low = firstLevel0();
    const bytes = mutate((v) => {
      const at = section('upperLinks').offset + 4 * store.upperOffsets[node];
      v.setInt32(at, Math.max(1, store.upperLinks[store.upperOffsets[node]]), true);
      v.setInt32(at + 4, low, true);
    });
    expect(() => HnswIndex.fromBytes(bytes)).toThrow(/at level 1, above its level 0/);
  });
});

describe('hnswlib loader under random damage (no checksums: refused, or loaded and safe)', () => {
  const hnswlibBytes = toHnswlibBytes(index);

  it('refuses every truncation', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 100; i++) {
      const length = Math.floor(random() * hnswlibBytes.length);
      expect(() => fromHnswlibBytes(hnswlibBytes.subarray(0, length), { space: 'l2', dim }), `length ${length}`)
        .toThrow(CorruptFileError);
    }
  });

  it('refuses or safely loads random byte flips (seeded, 300 files)', () => {
    const random = seededRandom(11);
    let refused = 0;
    for (let trial = 0; trial < 300; trial++) {
      const bytes = hnswlibBytes.slice();
      const flips = 1 + Math.floor(random() * 3);
      for (let f = 0; f < flips; f++) {
        const at = random() < 0.3 ? Math.floor(random() * 96) : Math.floor(random() * bytes.length);
        bytes[at] ^= 1 + Math.floor(random() * 255);
      }
      if (expectRefusedOrSafe(() => fromHnswlibBytes(bytes, { space: 'l2', dim })) === 'refused') refused++;
    }
    expect(refused).toBeGreaterThan(50);
  });
});
