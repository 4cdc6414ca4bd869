// Debian's Chromium for the browser suites (scripts/browser-tests.mjs, scripts/consumer-tests.mjs),
// driven by playwright-core: never a downloaded browser.

export const CHROMIUM = process.env.FOCUSCLIP_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium on Linux hides navigator.gpu unless WebGPU is unlocked; with no GPU it then
 *  falls back to its bundled SwiftShader (adapter "google / swiftshader"). --no-sandbox because CI
 *  runs as root. The rest keep a throwaway browser quiet and off the network. */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** CI (or FOCUSCLIP_REQUIRE_BROWSER=1) must not skip a browser suite for want of Chromium. */
export const browserRequired = (flag = false) => !!(process.env.CI || process.env.FOCUSCLIP_REQUIRE_BROWSER === '1' || flag);

export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: process.env.FOCUSCLIP_BROWSER_HEADED !== '1', args: CHROMIUM_ARGS });
}
