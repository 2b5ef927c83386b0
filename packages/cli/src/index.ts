export { buildProgram, main } from './main.js';
export { callControl, type ControlReply } from './control-client.js';
export { EXIT, exitCodeFor } from './exit-codes.js';
export { CLI_ERRORS, HoldfastCliError, type CliErrorCode } from './errors.js';
