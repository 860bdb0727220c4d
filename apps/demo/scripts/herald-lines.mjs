// How much of each demo page is Herald-specific: the code an integrator copies. Counted per page
// and per scenario: imports from @herald/*, the "── Herald: …" block of each page (its live-state
// hook), each line using a Herald hook, and each Herald component in JSX (all its lines). Blank
// lines and comments are not counted. Run: node apps/demo/scripts/herald-lines.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pages = fileURLToPath(new URL('../web/src/pages/', import.meta.url));
const shared = fileURLToPath(new URL('../web/src/demo-herald.tsx', import.meta.url));
const SCENARIOS = {
  '1 · restaurant admin': ['restaurant-admin.tsx', 'restaurant-order.tsx'],
  '2 · kitchen + table': ['kitchen.tsx', 'table.tsx'],
  '3 · loyalty': ['loyalty-card.tsx', 'loyalty-restaurant.tsx', 'loyalty-admin.tsx'],
  '4 · queue-driven inbox': ['inbox-device.tsx', 'inbox-jobs.tsx'],
  '5 · marketplace': ['market-client.tsx', 'market-provider.tsx', 'market-shared.tsx'],
};
const COMPONENT = /<(NotificationCenter|NotificationToaster|NotificationBell|ConnectionBadge|SoundToggle|NotificationPreferences|HeraldProvider|DemoHerald)\b/;
const HOOK = /\b(useLiveState|useSound|useInbox|useUnreadCount|useChannel|useNotificationListener|usePreferences|useConnectionState|useHerald)\(/;

function count(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  let n = 0;
  let inBlock = false;
  let depth = 0;
  let inTag = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('// ── Herald')) {
      inBlock = true;
      depth = 0;
      continue;
    }
    if (!line || line.startsWith('//') || line.startsWith('/*') || line.startsWith('*')) continue;
    if (inBlock) {
      n++;
      depth += (line.match(/[{(]/g) ?? []).length - (line.match(/[})]/g) ?? []).length;
      if (depth <= 0 && /^}/.test(line)) inBlock = false;
      continue;
    }
    if (inTag) {
      n++;
      if (/\/?>\s*$/.test(line) || line.endsWith('/>')) inTag = false;
      continue;
    }
    if (/from '@herald\//.test(line) || HOOK.test(line)) {
      n++;
      continue;
    }
    if (COMPONENT.test(line)) {
      n++;
      // A tag whose props go on over several lines counts whole.
      const tail = line.slice(line.search(COMPONENT));
      if (!/>/.test(tail.replace(/=>/g, ''))) inTag = true;
    }
  }
  return { lines: n, total: lines.filter((l) => l.trim()).length };
}

const sharedCount = count(shared);
console.log(`Herald-specific lines of the demo pages (shared provider wrapper demo-herald.tsx: ${sharedCount.lines} lines)\n`);
console.log('| scenario | page files | Herald lines | all lines |');
console.log('|---|---|---|---|');
for (const [name, files] of Object.entries(SCENARIOS)) {
  const counts = files.map((f) => ({ f, ...count(path.join(pages, f)) }));
  const herald = counts.reduce((s, c) => s + c.lines, 0);
  const total = counts.reduce((s, c) => s + c.total, 0);
  console.log(`| ${name} | ${counts.map((c) => `${c.f} (${c.lines})`).join(', ')} | ${herald} | ${total} |`);
}
