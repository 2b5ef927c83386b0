// The docs tell the same truth as the CLI: every flag of every command's commander definition is documented in
// docs/cli.md (in its command's section) and every flag cli.md names exists; every config file key of the schema is
// in docs/config.md's table and every key of that table exists; the README's `holdfast run` synopsis lists every
// `run` flag; every relative link in README.md and docs/*.md points at a file, and an anchor at a heading.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/main.js';
import { CONFIG_KEYS, DEV_KEYS } from '../src/config.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');
const CLI_MD = read('docs/cli.md');

/** Flags written in backticks in `md`: `--long` and `-x` tokens. */
export function backtickedFlags(md: string): Set<string> {
  const out = new Set<string>();
  for (const [, span] of md.matchAll(/`([^`\n]+)`/g)) {
    for (const [, f] of span.matchAll(/(?:^|[\s,(|[])(--?[a-zA-Z][\w-]*)/g)) out.add(f);
  }
  return out;
}

/** The intro of cli.md (synopsis) plus every `## ` section whose heading names the command in backticks. */
export function cliDocScope(md: string, command: string): string {
  const [intro, ...sections] = md.split(/^(?=## )/m);
  return [intro, ...sections.filter((s) => s.split('\n')[0].includes(`\`${command}\``))].join('\n');
}

/** `[--long, -x]` of one command's options (help and version excluded). */
function commandFlags(cmd: Command): string[] {
  return cmd.options.flatMap((o) => [o.long, o.short]).filter((f): f is string => Boolean(f));
}

/** Flags missing from the docs scope of each command, as "command --flag". */
export function undocumentedFlags(program: Command, md: string): string[] {
  const missing: string[] = [];
  for (const cmd of program.commands) {
    const documented = backtickedFlags(cliDocScope(md, cmd.name()));
    for (const f of commandFlags(cmd)) if (!documented.has(f)) missing.push(`${cmd.name()} ${f}`);
  }
  return missing;
}

// Flags cli.md may name that are not holdfast's: Node's, curl's, the bench script's and the global ones.
const FOREIGN_FLAGS = new Set(['--import', '--unix-socket', '-N', '-X', '-H', '-d', '-s', '-r', '--only', '--help', '--version', '-V']);

describe('docs/cli.md and the commander definitions', () => {
  const program = buildProgram();

  it('documents every flag of every command in its section', () => {
    expect(undocumentedFlags(program, CLI_MD)).toEqual([]);
  });

  it('fails when a flag is undocumented', () => {
    program.commands.find((c) => c.name() === 'status')!.option('--frobnicate', 'not in the docs');
    expect(undocumentedFlags(program, CLI_MD)).toEqual(['status --frobnicate']);
    const p2 = buildProgram();
    expect(undocumentedFlags(p2, CLI_MD.replace(/`--warmup-count N`/g, '`--warmup-cnt N`'))).toEqual(['run --warmup-count', 'dev --warmup-count', 'unit --warmup-count']);
  });

  it('names no flag that no command has', () => {
    const known = new Set(buildProgram().commands.flatMap(commandFlags));
    const unknown = [...backtickedFlags(CLI_MD)].filter((f) => !known.has(f) && !FOREIGN_FLAGS.has(f));
    expect(unknown).toEqual([]);
  });

  it('the README synopsis of `holdfast run` lists every run flag', () => {
    const synopsis = /## `holdfast run`\n\n```\n([\s\S]*?)```/.exec(read('README.md'))?.[1] ?? '';
    const run = buildProgram().commands.find((c) => c.name() === 'run')!;
    const missing = run.options.map((o) => o.long!).filter((f) => !new RegExp(`${f}(?![\\w-])`).test(synopsis));
    expect(missing).toEqual([]);
  });
});

describe('docs/config.md and the config schema', () => {
  const md = read('docs/config.md');
  // The key column of the keys table: the first cell of each row, e.g. | `standby`, `warmupCount` | ...
  const documented = new Set([...md.matchAll(/^\| ([^|]+) \|/gm)].flatMap(([, cell]) => [...cell.matchAll(/`([\w.]+)`/g)].map((m) => m[1])));
  const schema = [...Object.keys(CONFIG_KEYS).filter((k) => k !== 'dev'), ...Object.keys(DEV_KEYS).map((k) => `dev.${k}`)];

  it('documents every key of the schema', () => {
    expect(schema.filter((k) => !documented.has(k))).toEqual([]);
  });

  it('documents no key the schema does not have', () => {
    const tableKeys = [...documented].filter((k) => /^[a-z][\w.]*$/.test(k) && !['key'].includes(k));
    expect(tableKeys.filter((k) => !schema.includes(k))).toEqual([]);
  });
});

describe('links in README.md and docs/*.md', () => {
  const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
  const anchors = (md: string) => new Set([...md.replace(/```[\s\S]*?```/g, '').matchAll(/^#+ (.+)$/gm)]
    .map(([, h]) => h.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));

  it('every relative link resolves to a file, and its anchor to a heading', () => {
    const broken: string[] = [];
    for (const file of files) {
      const md = read(file).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of md.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [path, anchor] = target.split('#');
        const abs = path ? resolve(ROOT, dirname(file), path) : join(ROOT, file);
        if (!existsSync(abs)) { broken.push(`${file}: ${target} (no file)`); continue; }
        if (anchor && abs.endsWith('.md') && !anchors(readFileSync(abs, 'utf8')).has(anchor)) broken.push(`${file}: ${target} (no heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
