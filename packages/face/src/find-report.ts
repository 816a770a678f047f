// The report of `pnpm face find`, one format whether the local database or pgvector answered.

import type { FaceMatch } from './database.js';

/** One line per match: rank, Euclidean distance, match or not, photo. */
export function formatMatches(matches: readonly FaceMatch[]): string {
  return matches.map((m, i) => `${String(i + 1).padStart(3)}. ${m.distance.toFixed(4)} ${m.verified ? 'match   ' : 'no match'} ${m.path}\n`).join('');
}

/** The `--json` line's value. */
export function matchesJson(matches: readonly FaceMatch[]): { path: string; distance: number; verified: boolean }[] {
  return matches.map((m) => ({ path: m.path, distance: m.distance, verified: m.verified }));
}
