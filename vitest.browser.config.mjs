import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { CHROMIUM, CHROMIUM_ARGS } from './scripts/chromium.mjs';
import { browserTestFiles } from './scripts/browser-test-files.mjs';

// The browser suite's test files: the same files vitest runs in Node, run again in Debian's
// Chromium (WebGPU through SwiftShader) by Vitest's browser mode, through playwright with an
// executablePath (no browser download). scripts/browser-tests.mjs runs this, then the demo page.

export default defineConfig({
  test: {
    include: browserTestFiles(fileURLToPath(new URL('.', import.meta.url))).run,
    // One file at a time on the shared software adapter, and the Node suite's timeouts.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    browser: {
      enabled: true,
      provider: 'playwright',
      headless: process.env.FOCUSCLIP_BROWSER_HEADED !== '1',
      screenshotFailures: false,
      instances: [{ browser: 'chromium', launch: { executablePath: CHROMIUM, args: CHROMIUM_ARGS } }],
    },
  },
});
