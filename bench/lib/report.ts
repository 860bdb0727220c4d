/**
 * Results of a scenario: a table on stdout, `bench/results/<scenario>.json`, an SVG chart rendered
 * from a vega-lite spec in Node, and the scenario's section of `bench/results/SUMMARY.md`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** Render rows as an aligned text table (first row is the header). */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n');
}

/** Where and on what the run happened, stored beside every result. */
export function machine() {
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    date: new Date().toISOString(),
  };
}

async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

/** Write the JSON, the chart and the SUMMARY.md section of `scenario`. */
export async function writeResults(
  scenario: string,
  result: Record<string, unknown>,
  chart: TopLevelSpec,
  summaryMarkdown: string,
): Promise<void> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, `${scenario}.json`), `${JSON.stringify({ scenario, machine: machine(), ...result }, null, 2)}\n`);
  fs.writeFileSync(path.join(RESULTS_DIR, `${scenario}.svg`), await renderSvg(chart));
  const summaryFile = path.join(RESULTS_DIR, 'SUMMARY.md');
  const header = '# Benchmark results\n\nEach section is rewritten by its scenario (`npm run bench -- <scenario>`); figures from one run on a shared 2-core machine, so compare the ratios within a section.\n';
  let summary = fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, 'utf8') : header;
  const begin = `<!-- ${scenario}:begin -->`;
  const end = `<!-- ${scenario}:end -->`;
  const section = `${begin}\n${summaryMarkdown.trim()}\n${end}`;
  const re = new RegExp(`${begin}[\\s\\S]*?${end}`);
  summary = re.test(summary) ? summary.replace(re, section) : `${summary.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(summaryFile, summary);
  process.stdout.write(`\nWrote bench/results/${scenario}.json, ${scenario}.svg and SUMMARY.md\n`);
}
