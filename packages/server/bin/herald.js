#!/usr/bin/env node
// The `herald` command (source: src/cli/). It lives outside dist/ because npm links a package's
// bin only when the file exists at install time, and dist/ appears only after `npm run build`.
import fs from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!fs.existsSync(main)) {
  process.stderr.write('herald: the server package is not built yet; run `npm run build` first\n');
  process.exit(1);
}
await import(main.href);
