import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { HoldfastError } from './errors.js';

/**
 * Variables a generation gets beyond the holder's own environment: literal `vars` and `files` in dotenv format
 * (Node's own parser, util.parseEnv, as `node --env-file` uses). Files are read again for every generation,
 * so a reload picks up an edited file.
 */
export interface EnvLayer {
  /** Absolute paths, applied in order (a later file overrides an earlier one). */
  files?: string[];
  /** KEY → VALUE, applied after the files of the same layer. */
  vars?: Record<string, string>;
}

/** What one generation got, as `GET /status` shows it: file paths and key names, never values. */
export interface GenerationEnvInfo {
  generation: number;
  /** Every env file read for it, holder's first, then the deploy's. */
  files: string[];
  /** Keys set by those files and by `env` (config file, `holdfast reload --env`), sorted. */
  keys: string[];
}

/** A crash restart's way out when an env file cannot be read (GenerationEnv.for). */
export interface EnvFallback {
  /** The generation the slot ran: its environment is reused. */
  generation: number;
  /** Called with the ERR_HOLDFAST_ENV_FILE error when the fallback is taken (to log a warning naming the file). */
  onFallback: (err: HoldfastError) => void;
}

/** Environments of generations with no live worker left that are still remembered (crash-restart fallback). */
const KEPT_GENERATIONS = 4;

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parse `KEY=VALUE` as given to `holdfast reload --env`.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming `option`, the value and what is expected.
 */
export function parseEnvAssignment(input: string, option = '--env'): [string, string] {
  const eq = input.indexOf('=');
  const key = eq < 0 ? input : input.slice(0, eq);
  if (eq < 0 || !KEY.test(key)) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION',
      `${option} must be KEY=VALUE with KEY made of letters, digits and _ (not starting with a digit); got ${JSON.stringify(input)}`);
  }
  return [key, input.slice(eq + 1)];
}

/**
 * Check an `env` object (config file, control API): keys as {@link parseEnvAssignment}, string values.
 * @throws HoldfastError ERR_HOLDFAST_INVALID_OPTION naming `where`, the key and the value.
 */
export function validateEnvVars(raw: unknown, where: string): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION', `${where} must be an object of KEY: "VALUE"; got ${JSON.stringify(raw)}`);
  }
  for (const [k, v] of Object.entries(raw)) {
    if (!KEY.test(k) || typeof v !== 'string') {
      throw new HoldfastError('ERR_HOLDFAST_INVALID_OPTION',
        `${where}: ${JSON.stringify(k)} must be a variable name (letters, digits, _) with a string value; got ${JSON.stringify(v)}`);
    }
  }
  return raw as Record<string, string>;
}

/**
 * Read one env file with util.parseEnv.
 * @throws HoldfastError ERR_HOLDFAST_ENV_FILE naming the file and the system error (ENOENT, EACCES, EISDIR).
 */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new HoldfastError('ERR_HOLDFAST_ENV_FILE', `env file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  return parseEnv(text) as Record<string, string>;
}

/**
 * Each generation's environment: the holder's own, then the holder's layer (config `env`, `--env-file`), then the
 * deploy's layer (`holdfast reload --env-file/--env`), computed once per generation (all its workers share it)
 * and remembered, so status can say which files and keys each live generation got.
 */
export class GenerationEnv {
  private readonly seen = new Map<number, { env: NodeJS.ProcessEnv; info: GenerationEnvInfo }>();

  constructor(private readonly base: NodeJS.ProcessEnv, private readonly holder: EnvLayer) {}

  /**
   * The environment of `generation` (workerEnv adds the protocol variables on top).
   * @param fallback a crash restart: when a file cannot be read, reuse the environment `fallback.generation` was
   *   started with (if remembered) and call `onFallback` with the error, instead of failing.
   * @throws HoldfastError ERR_HOLDFAST_ENV_FILE when a file cannot be read (and no fallback applies): that
   *   generation fails to start, and a reload rolls back (the running generation keeps its environment).
   */
  for(generation: number, deploy: EnvLayer = {}, fallback?: EnvFallback): NodeJS.ProcessEnv {
    const hit = this.seen.get(generation);
    if (hit) return hit.env;
    try {
      return this.read(generation, deploy);
    } catch (err) {
      const prev = fallback && this.seen.get(fallback.generation);
      if (!prev || !(err instanceof HoldfastError) || err.code !== 'ERR_HOLDFAST_ENV_FILE') throw err;
      fallback.onFallback(err);
      this.seen.set(generation, { env: prev.env, info: { ...prev.info, generation } });
      return prev.env;
    }
  }

  private read(generation: number, deploy: EnvLayer): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...this.base };
    const keys = new Set<string>();
    const files: string[] = [];
    for (const layer of [this.holder, deploy]) {
      for (const f of layer.files ?? []) {
        files.push(f);
        for (const [k, v] of Object.entries(readEnvFile(f))) { env[k] = v; keys.add(k); }
      }
      for (const [k, v] of Object.entries(layer.vars ?? {})) { env[k] = v; keys.add(k); }
    }
    this.seen.set(generation, { env, info: { generation, files, keys: [...keys].sort() } });
    return env;
  }

  /** Read every file of `deploy` (and the holder's) now, so a bad deploy is refused before anything is spawned. */
  check(deploy: EnvLayer = {}): void {
    for (const f of [...(this.holder.files ?? []), ...(deploy.files ?? [])]) readEnvFile(f);
  }

  /**
   * What each of `generations` got. Forgets other generations beyond the newest {@link KEPT_GENERATIONS} (a crash
   * restart may still fall back to the environment of a generation whose last worker just died).
   */
  describe(generations: Iterable<number>): GenerationEnvInfo[] {
    const live = new Set(generations);
    const dead = [...this.seen.keys()].filter((g) => !live.has(g)).sort((a, b) => b - a);
    for (const g of dead.slice(KEPT_GENERATIONS)) this.seen.delete(g);
    return [...this.seen.values()].filter((s) => live.has(s.info.generation)).map((s) => s.info).sort((a, b) => a.generation - b.generation);
  }
}
