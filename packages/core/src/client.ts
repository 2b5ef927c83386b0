/**
 * @holdfast/core/client: what a control client (`holdfast status`, `reload`, `stop`) and config parsing need,
 * without loading the holder. Nothing here imports fastify, pino, prom-client or the native addon, so a CLI
 * command that only talks to a running holder starts in about the time of `node -e 0`.
 * index.ts re-exports the same modules, so `instanceof` holds across both entry points.
 */
export * from './errors.js';
export * from './warnings.js';
export * from './duration.js';
export * from './socket-spec.js';
export * from './control-path.js';
export { parseEnvAssignment } from './env-files.js';
export { HOLDFAST_ENV } from '@holdfast/native/protocol';
export { CodedError, defineErrors, defineErrorClass, type CodedErrorJSON, type ErrorDefinition } from '@holdfast/native/coded-error';
