import type { Logger } from '@imagespec/core';
import type { CliIo } from './io.js';

/**
 * The logger handed to builders: debug lines only with --debug (or DEBUG=imagespec*),
 * on stderr so they never mix with --json on stdout. Namespaces come from the engine.
 */
export function createLogger(io: CliIo, debug: boolean, namespace = 'imagespec'): Logger {
  const debugOn = debug || /(^|,)imagespec(\*|:|,|$)/.test(io.env.DEBUG ?? '');
  const write = (level: string, message: string, args: unknown[]) => {
    const extra =
      args.length > 0 ? ` ${args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')}` : '';
    io.stderr.write(`${namespace} ${level} ${message}${extra}\n`);
  };
  return {
    debug: (message, ...args) => {
      if (debugOn) write('debug', message, args);
    },
    info: (message, ...args) => write('info', message, args),
    warn: (message, ...args) => write('warn', message, args),
  };
}
