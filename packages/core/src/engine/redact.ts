import { redactUrlCredentials } from '../spec/redact.js';
import type { BuildEvent } from './events.js';

/**
 * Every string in an event or a result with URL credentials masked. Specs cannot carry
 * them (validation refuses), but a builder's log line or a registry's answer may echo a
 * URL with a token, and events end up in CI logs and --json files.
 */
export function redactCredentials<T>(value: T): T {
  if (typeof value === 'string') return redactUrlCredentials(value) as T;
  if (Array.isArray(value)) return value.map(redactCredentials) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, redactCredentials(child)])) as T;
  }
  return value;
}

/** An event sink that sees every event with credentials masked. */
export function redactingSink(sink: ((event: BuildEvent) => void) | undefined): (event: BuildEvent) => void {
  if (!sink) return () => {};
  return (event) => sink(redactCredentials(event));
}
