import type { BuildEvent } from '../contract/events.js';
import { redactCredentials } from '../spec/redact.js';

/**
 * An event sink that sees every event with URL credentials masked. Specs cannot carry them
 * (validation refuses), but a builder's log line or a registry's answer may echo a URL with
 * a token, and events end up in CI logs and --json files.
 */
export function redactingSink(sink: ((event: BuildEvent) => void) | undefined): (event: BuildEvent) => void {
  if (!sink) return () => {};
  return (event) => sink(redactCredentials(event));
}
