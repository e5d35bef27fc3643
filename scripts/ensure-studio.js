#!/usr/bin/env node
// Builds pixelgate Studio (studio/ → studio/dist/) when the build is missing or was made from other
// sources: `npm start` runs it first (a fresh clone serves a working /studio), the test suite runs
// it before the browser tests, `npm run build` runs it with --force. A hash of the sources is kept
// in studio/dist/, so an up-to-date build costs a few file reads. Plain JavaScript: it must run
// before anything is compiled.
//   node scripts/ensure-studio.js [--force]
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const STUDIO = fileURLToPath(new URL('../studio/', import.meta.url));
const DIST = path.join(STUDIO, 'dist');
const STAMP = path.join(DIST, '.source-hash');
const SOURCES = ['index.html', 'vite.config.ts', 'src', 'public'];

async function filesUnder(entry) {
  const full = path.join(STUDIO, entry);
  if (!existsSync(full)) return [];
  const found = await readdir(full, { recursive: true, withFileTypes: true }).catch(() => null);
  if (found === null) return [entry];
  return found
    .filter((item) => item.isFile())
    .map((item) => path.relative(STUDIO, path.join(item.parentPath, item.name)));
}

async function sourceHash() {
  const hash = createHash('sha256');
  const files = (await Promise.all(SOURCES.map(filesUnder))).flat().sort();
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(await readFile(path.join(STUDIO, file)));
  }
  return hash.digest('hex');
}

async function main() {
  const force = process.argv.includes('--force');
  const wanted = await sourceHash();
  const current = (await readFile(STAMP, 'utf8').catch(() => '')).trim();
  if (!force && current === wanted && existsSync(path.join(DIST, 'index.html'))) return;

  let vite;
  try {
    vite = await import('vite');
  } catch {
    const message = 'pixelgate Studio: vite is not installed (npm install), so studio/dist cannot be built';
    if (force) throw new Error(message);
    console.warn(`${message}; /studio answers 503 until it is.`);
    return;
  }
  console.log('pixelgate Studio: building studio/ into studio/dist/ …');
  await vite.build({ configFile: path.join(STUDIO, 'vite.config.ts'), logLevel: 'warn' });
  await writeFile(STAMP, `${wanted}\n`);
}

main().catch((error) => {
  console.error(`pixelgate Studio: the build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
