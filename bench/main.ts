// `npm run bench -- <suite> [args]`: runs benchmark suites (never part of the tests).
import { suites } from './registry.js';

const [name, ...args] = process.argv.slice(2);
if (!name || !(name in suites)) {
  console.error(`usage: npm run bench -- <suite> [args]\nsuites: ${Object.keys(suites).join(', ') || '(none yet)'}`);
  process.exit(name ? 1 : 0);
}
const mod = await suites[name]();
await mod.run(args);
