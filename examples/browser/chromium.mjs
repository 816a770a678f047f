// Headless Chromium for the browser checks: Debian's binary driven by
// playwright-core (nothing downloads a browser). Shared by every example's check.

import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run',
];

/** Debian's chromium: $CHROMIUM, else the first `chromium` on PATH, else ''. */
export function findChromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** Launches headless Chromium; exits the process (status 1, saying why) when there is none. */
export async function launchChromium(check) {
  const executablePath = findChromium();
  if (!executablePath) {
    console.error(`${check}: no chromium on PATH (apt-get install -y chromium), or set CHROMIUM`);
    process.exit(1);
  }
  return chromium.launch({ executablePath, args: FLAGS, headless: true });
}
