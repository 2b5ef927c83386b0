// Where a bench run goes: bench.json, bench.md (and bench.svg) in the results directory, the compact JSON to
// --json-out, and with --docs the repo's docs/bench.md, docs/bench.svg and the generated table inside README.md's
// `<!-- bench:start -->` … `<!-- bench:end -->` block (the prose around it is kept).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const README_START = '<!-- bench:start -->';
export const README_END = '<!-- bench:end -->';

/**
 * `readme` with its generated table (from the `Measured …` line through the table and a `**Problems:**` line
 * after it) replaced by `table`, inside the bench block. Returns null when the block or the line is missing.
 */
export function readmeWithTable(readme, table) {
  const a = readme.indexOf(README_START);
  const b = readme.indexOf(README_END);
  if (a < 0 || b < a) return null;
  const lines = readme.slice(a, b).split('\n');
  const from = lines.findIndex((l) => l.startsWith('Measured '));
  if (from < 0) return null;
  let to = from;
  while (to < lines.length && !lines[to].startsWith('|')) to++;
  while (to < lines.length && lines[to].startsWith('|')) to++;
  if (lines[to] === '' && lines[to + 1]?.startsWith('**Problems:**')) to += 2;
  return readme.slice(0, a) + [...lines.slice(0, from), ...table.split('\n'), ...lines.slice(to)].join('\n') + readme.slice(b);
}

/**
 * Write a run's outputs. `docsRoot`: the directory holding README.md and docs/ (the repo root; a temp dir to
 * check the rendering), or null for no docs.
 */
export function writeResults({ result, table, svg, outDir, jsonOut, docsRoot, readmeFrom }) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(outDir, 'bench.md'), `${table}\n`);
  if (svg) writeFileSync(join(outDir, 'bench.svg'), svg);
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(result)}\n`);
  if (!docsRoot) return;
  mkdirSync(join(docsRoot, 'docs'), { recursive: true });
  if (svg) writeFileSync(join(docsRoot, 'docs/bench.svg'), svg);
  writeFileSync(join(docsRoot, 'docs/bench.md'), `# Benchmark results\n\nWritten by \`pnpm bench\` (bench/run.mjs); the raw JSON is in bench/results/bench.json of the run.\n\n${table}\n\n![requests during reloads](bench.svg)\n`);
  const src = join(readmeFrom, 'README.md');
  const readme = existsSync(src) ? readmeWithTable(readFileSync(src, 'utf8'), table) : null;
  if (readme) writeFileSync(join(docsRoot, 'README.md'), readme);
  else process.stderr.write(`bench: ${src} has no ${README_START} block with a "Measured" line: README not updated\n`);
}
