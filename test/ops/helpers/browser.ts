// Headless Chromium for the live-view tests: playwright-core driving Debian's /usr/bin/chromium
// (or MESHGUARD_CHROMIUM). Without it the browser suites are skipped, with a notice in the test
// output, unless MESHGUARD_REQUIRE_BROWSER=1 makes that a failure.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MESHGUARD_CHROMIUM ?? '/usr/bin/chromium';
export const BROWSER_REQUIRED = process.env.MESHGUARD_REQUIRE_BROWSER === '1';
export const BROWSER_AVAILABLE = existsSync(CHROMIUM);
export const RESULTS = fileURLToPath(new URL('../../../test-results/', import.meta.url));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--font-render-hinting=none'];

/** Says in the test output why a browser suite does not run. */
export function noticeIfMissing(suite: string): void {
  if (!BROWSER_AVAILABLE) console.warn(`[skipped] ${suite}: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set MESHGUARD_CHROMIUM; MESHGUARD_REQUIRE_BROWSER=1 makes this a failure)`);
}

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught exceptions of the page. */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(viewport: { width: number; height: number }): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'mg-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport, deviceScaleFactor: 1 });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    context, page, errors,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}
