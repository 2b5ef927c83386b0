import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { HoldfastError } from '@holdfast/core/client';

/**
 * Where holdfast's configuration lives and how it is read, before any validation (config-validate.ts validates it for
 * `run`, `dev` and `unit`; control commands only take its "control" key). Loads nothing but node:fs.
 */

export const CONFIG_FILE = 'holdfast.config.json';

/** A config object as found: the parsed JSON, where it came from (for messages) and the directory paths are relative to. */
export interface LocatedConfig { raw: unknown; where: string; baseDir: string }

/**
 * Read a JSON file; a UTF-8 byte-order mark (editors on Windows write one) is dropped first, as npm does.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming the file when it cannot be read or parsed.
 */
export function readJson(path: string, where: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${where}: cannot read it (${(err as NodeJS.ErrnoException).code})`, { cause: err });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = jsonErrorAt(text);
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${where} is not valid JSON: ${(err as Error).message}`, {
      cause: err,
      hint: `Fix ${where} at ${at}: JSON has no comments and no trailing commas, and quotes every key and string with "double quotes".`,
    });
  }
}

/**
 * Where the first JSON error in `text` is, as "line L, column C" (1-based, UTF-16 columns), found by jsonc-parser in
 * strict JSON mode (V8's message has no position for every error, e.g. "Unexpected token"). Loaded only on this
 * failure path, so reading a valid file loads nothing but node:fs.
 */
export function jsonErrorAt(text: string): string {
  const jsonc = createRequire(import.meta.url)('jsonc-parser') as typeof import('jsonc-parser');
  const errors: import('jsonc-parser').ParseError[] = [];
  jsonc.parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const offset = errors[0]?.offset ?? text.length;
  const before = text.slice(0, offset).split('\n');
  const where = `line ${before.length}, column ${before[before.length - 1].length + 1}`;
  return errors[0] ? `${where} (${jsonc.printParseErrorCode(errors[0].error)})` : where;
}

/**
 * Find the configuration for `dir`: `explicit` if given, else `holdfast.config.json`, else the `"holdfast"` key of
 * package.json (both at once is refused as ambiguous). Null when there is none. With `tolerant`, a package.json that
 * is not valid JSON counts as having no "holdfast" key: control commands only need "control", and the app's
 * package.json is not theirs to judge.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION for an unreadable or invalid file, or config in two places.
 */
export function locateConfig(dir: string, explicit?: string, opts: { tolerant?: boolean } = {}): LocatedConfig | null {
  if (explicit) {
    const path = isAbsolute(explicit) ? explicit : resolve(dir, explicit);
    return { raw: readJson(path, path), where: path, baseDir: dirname(path) };
  }
  const file = join(dir, CONFIG_FILE);
  const pkgPath = join(dir, 'package.json');
  let pkg: Record<string, unknown> | null = null;
  try {
    pkg = existsSync(pkgPath) ? readJson(pkgPath, pkgPath) as Record<string, unknown> : null;
  } catch (err) {
    if (!opts.tolerant) throw err;
  }
  const inPkg = pkg !== null && typeof pkg === 'object' && 'holdfast' in pkg;
  if (existsSync(file)) {
    if (inPkg) {
      throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `both ${file} and the "holdfast" key of ${pkgPath} configure holdfast`,
        { hint: 'Keep one of them (or pass --config PATH).' });
    }
    return { raw: readJson(file, file), where: file, baseDir: dir };
  }
  if (inPkg && pkg) return { raw: pkg.holdfast, where: `${pkgPath} "holdfast"`, baseDir: dir };
  return null;
}
