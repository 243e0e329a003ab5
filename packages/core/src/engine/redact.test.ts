import { describe, expect, it } from 'vitest';
import type { BuildEvent } from '../contract/events.js';
import { redactingSink } from './redact.js';

describe('redactingSink', () => {
  it('masks URL credentials in every string of every event', () => {
    const seen: BuildEvent[] = [];
    const emit = redactingSink((event) => seen.push(event));
    emit({ type: 'log', image: 'app:x', spec: 'app', stream: 'stdout', line: 'GET http://u:secret@127.0.0.1/simple' });
    emit({
      type: 'failed',
      image: 'app:x',
      spec: 'app',
      error: { code: 'BUILD_FAILED', message: 'index https://tok@127.0.0.1 said 401', hint: 'see http://a:b@h/' },
    });
    expect(JSON.stringify(seen)).not.toMatch(/secret|tok@|a:b@/);
    expect(seen[0]).toMatchObject({ line: 'GET http://u:***@127.0.0.1/simple' });
  });
});
