/**
 * holdfast's error shape, shared by every package (as fastify's @fastify/error is by its plugins): each package keeps
 * one registry of its codes (`defineErrors`), and every error it raises is a `CodedError` built from an entry of that
 * registry: a literal `code`, the default message, the `hint` the CLI prints under the message, the CLI's exit code
 * and, for errors the control API answers with, the HTTP status. `cause` is kept. docs/errors.md has one section per
 * package with the same codes and exit codes (a test keeps them in sync).
 */

/** One registry entry. */
export interface ErrorDefinition {
  /** The default message, used when the raiser gives none. */
  readonly message: string;
  /** One line the CLI prints under the message: what to do about it. */
  readonly hint: string;
  /** The `holdfast` command's exit code when this error ends it (1 when nothing more specific applies). */
  readonly exitCode: number;
  /** The control API's HTTP status for this error, where the API can answer with it. */
  readonly httpStatus?: number;
}

/** A package's registry: code → definition. */
export type ErrorRegistry<C extends string = string> = Readonly<Record<C, ErrorDefinition>>;

/** Freezes and returns a registry, keeping its literal codes in the type. */
export function defineErrors<const R extends Record<string, ErrorDefinition>>(registry: R): Readonly<R> {
  return Object.freeze(registry);
}

/** The JSON shape of an error in control API answers and reload progress lines. */
export interface CodedErrorJSON {
  code: string;
  message: string;
  hint: string;
}

/**
 * An error with a literal code from a registry. `message` defaults to the registry's; `hint` too (a raiser may give
 * a more specific one).
 */
export class CodedError<C extends string = string> extends Error {
  readonly code: C;
  readonly hint: string;
  readonly exitCode: number;
  readonly httpStatus: number | undefined;

  constructor(registry: ErrorRegistry<C>, code: C, message?: string, options: { cause?: unknown; hint?: string } = {}) {
    const def = registry[code];
    super(message ?? def.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CodedError';
    this.code = code;
    this.hint = options.hint ?? def.hint;
    this.exitCode = def.exitCode;
    this.httpStatus = def.httpStatus;
  }

  /** `{ code, message, hint }`: what the control API answers with. */
  toJSON(): CodedErrorJSON {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

/** The class a package raises its registry's errors with: `new HoldfastError(code, message?, options?)`. */
export interface CodedErrorClass<C extends string> {
  new (code: C, message?: string, options?: { cause?: unknown; hint?: string }): CodedError<C>;
  readonly registry: ErrorRegistry<C>;
}

/** A package's error class, named `name` (the `name` of its instances), raising codes of `registry` only. */
export function defineErrorClass<C extends string>(name: string, registry: ErrorRegistry<C>): CodedErrorClass<C> {
  const cls = class extends CodedError<C> {
    static readonly registry = registry;
    constructor(code: C, message?: string, options: { cause?: unknown; hint?: string } = {}) {
      super(registry, code, message, options);
      this.name = name;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

/** A warning's registry entry: like an error's, without exit code or status. */
export interface WarningDefinition {
  readonly message: string;
  readonly hint: string;
}

/**
 * Emits a coded warning through process.emitWarning (type 'HoldfastWarning'), so that `--no-warnings`,
 * `process.on('warning')` and `--throw-deprecation`-style tooling see it like Node's own:
 * `(node:123) [WARN_HOLDFAST_LISTEN_PID_MISMATCH] HoldfastWarning: LISTEN_PID=1 is not this process ...`.
 */
export function emitCodedWarning<C extends string>(registry: Readonly<Record<C, WarningDefinition>>, code: C, message?: string): void {
  const def = registry[code];
  process.emitWarning(message ?? def.message, { type: 'HoldfastWarning', code, detail: def.hint });
}
