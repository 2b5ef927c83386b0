export { buildProgram, main } from './main.js';
export { callControl, type ControlReply } from './control-client.js';
export { EXIT, exitCodeFor } from './exit-codes.js';
