#!/usr/bin/env node
// Runs the TypeScript sources through tsx when it is installed (development, `npm start`), and the
// compiled build otherwise (the production image installs no dev dependencies).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
let useSources = true;
try {
  const { register } = await import('tsx/esm/api');
  register();
} catch {
  useSources = false;
}
if (useSources) {
  await import('../src/main.ts');
} else if (existsSync(compiled)) {
  await import(compiled);
} else {
  process.stderr.write('pixelgate: neither tsx nor a compiled build (npm run build) is available\n');
  process.exit(1);
}
