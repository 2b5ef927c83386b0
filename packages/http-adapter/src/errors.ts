/**
 * The adapter's own errors: one registry, one class, a literal `code` per failure.
 * Messages name the fd (its LISTEN_FDNAMES entry), what was found and what was expected.
 */

/** Every code `HoldfastAdapterError` can carry. */
export type HoldfastAdapterErrorCode =
  /** serve(): no inherited fd with that name / of that kind, and no fallback applies. */
  | 'ERR_HOLDFAST_NO_LISTEN_FD'
  /** serve(): the inherited fd is the wrong kind for the target (e.g. a dgram socket asked to serve a stream fd). */
  | 'ERR_HOLDFAST_FD_MISMATCH'
  /** listenFds(): an fd announced by LISTEN_FDS is not open, or is not a socket. */
  | 'ERR_HOLDFAST_BAD_LISTEN_FD'
  /** serve(): the same inherited fd was already attached by an earlier serve() call. */
  | 'ERR_HOLDFAST_FD_IN_USE'
  /** serve()/notify(): an option has an invalid value. */
  | 'ERR_HOLDFAST_INVALID_OPTION'
  /** serve(): the target is not a fastify instance, http(s)/http2/net server or dgram socket. */
  | 'ERR_HOLDFAST_INVALID_TARGET'
  /** serve(): called in a node:cluster worker of a process that inherited LISTEN_FDS (the primary would re-open the address). */
  | 'ERR_HOLDFAST_CLUSTER';

/**
 * Error thrown by the adapter. `code` is one of {@link HoldfastAdapterErrorCode};
 * `hint` is a one-line suggestion a CLI may print; `cause` keeps the underlying error (e.g. EBADF).
 */
export class HoldfastAdapterError extends Error {
  override readonly name = 'HoldfastAdapterError';
  readonly code: HoldfastAdapterErrorCode;
  readonly hint?: string;

  constructor(code: HoldfastAdapterErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}
