// `pnpm demo`: the seed article's face-search experiment at a size that runs
// in a minute or two, on the photos shipped inside face-api's npm package, so
// it needs no data beyond `pnpm install`. The target is a mirror image of one
// sample photo: a new picture of a person whose face is in the index.
// hnswlib-node (a devDependency of bench) builds the same set in the same run.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { samplePhotosDir } from '@smallworld/face';
import { writeFileAtomic } from '@smallworld/hnsw';
import sharp from 'sharp';
import { loadHnswlibNode } from './peers.js';
import { runSeed, type SeedResult } from './seed.js';
import { log } from './stats.js';

export interface DemoOptions {
  /** Vectors in the index: the sample faces, generated people (a tenth of n, at most 5,000 vectors), and N(-0.35, 0.48) padding. */
  n: number;
  threads: number;
  /** Build and query hnswlib-node on the same data too (default: when it is installed). */
  compare?: boolean;
}

/** The photo whose mirror image is searched for. */
export const DEMO_TARGET_SOURCE = 'sample1.jpg';

/** Runs the demo: photos into a temporary folder with `target.jpg`, then the seed experiment. */
export async function runDemo({ n, threads, compare }: DemoOptions): Promise<SeedResult> {
  const samples = samplePhotosDir();
  if (compare === undefined) {
    compare = (await loadHnswlibNode()) !== null;
    if (!compare) log('demo: hnswlib-node is not installed (pnpm install in the repository), so its column stays empty');
  }
  const dir = await mkdtemp(join(tmpdir(), 'smallworld-demo-'));
  try {
    const photos = (await readdir(samples)).filter((f) => /^sample\d+\.jpg$/.test(f));
    for (const photo of photos) await writeFileAtomic(join(dir, photo), await readFile(join(samples, photo)));
    await writeFileAtomic(join(dir, 'target.jpg'), await sharp(join(samples, DEMO_TARGET_SOURCE)).flop().jpeg().toBuffer());
    log(`demo: ${photos.length} sample photos from face-api's package; target.jpg = ${DEMO_TARGET_SOURCE} mirrored`);
    const result = await runSeed({
      n, dim: 128, threads, faces: Math.min(5000, Math.floor(n / 10)), queries: 200, recallTarget: 0.9, compare, facesDir: dir, quantization: 'none',
    });
    // The folder is temporary: name the photos as they are in face-api's package.
    if (result.targetPhotos) result.targetPhotos = result.targetPhotos.map((p) => basename(p));
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
