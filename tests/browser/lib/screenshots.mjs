// Screenshots the tests take: every one under target/screenshots/; the
// ones the README shows are also copied to docs/screenshots/ (issue 9,
// acceptance 5), unless TINGWU_SCREENSHOTS_TO_DOCS=0.

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { REPO } from './server.mjs';

export const SCREENSHOTS = join(REPO, 'target', 'screenshots');
export const DOCS_SCREENSHOTS = join(REPO, 'docs', 'screenshots');

/**
 * Saves the page as `target/screenshots/{name}.png` and returns the path.
 * `readme`: the README shows it, so it is copied to `docs/screenshots/`.
 */
export async function screenshot(page, name, { readme = false, fullPage = false } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  if (readme && process.env.TINGWU_SCREENSHOTS_TO_DOCS !== '0') {
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    copyFileSync(path, join(DOCS_SCREENSHOTS, `${name}.png`));
  }
  return path;
}
