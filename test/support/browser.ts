import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium (scripts/dev/servers.sh --install), headless, driven by playwright-core, which downloads no
 * browser of its own. CHROMIUM_PATH points at another build. As root, Chromium runs only without its sandbox.
 */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });

/** Where the lobby's test writes a screenshot of each step (gitignored); `npm run screenshot` keeps the last one. */
export const screenshotDir = 'test/output/lobby';
