export type { CliIo, Writer } from './io.js';
export { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, exitCodeFor, runCli } from './main.js';
