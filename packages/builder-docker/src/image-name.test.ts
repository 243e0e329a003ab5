import { describe, expect, it } from 'vitest';
import { fromRegistryHosts, registryHost, splitImageName } from './image-name.js';

describe('image names', () => {
  it('splits repository and tag, ports included', () => {
    expect(splitImageName('127.0.0.1:5000/team/app:abc')).toEqual({
      repository: '127.0.0.1:5000/team/app',
      tag: 'abc',
    });
    expect(splitImageName('127.0.0.1:5000/team/app')).toEqual({ repository: '127.0.0.1:5000/team/app', tag: 'latest' });
  });

  it('finds the registry host as Docker does', () => {
    expect(registryHost('127.0.0.1:5000/a/b:1')).toBe('127.0.0.1:5000');
    expect(registryHost('localhost/a')).toBe('localhost');
    expect(registryHost('team/app')).toBe('docker.io');
    expect(registryHost('busybox')).toBe('docker.io');
  });

  it('lists the hosts FROM lines pull from, skipping stages, scratch and build args', () => {
    const dockerfile = [
      'FROM --platform=linux/amd64 127.0.0.1:5001/base/py:3 AS build',
      'RUN make',
      'FROM build',
      'from scratch',
      'FROM $BASE',
      'FROM 127.0.0.1:5000/busybox:1',
      'FROM 127.0.0.1:5001/other:2',
    ].join('\n');
    expect(fromRegistryHosts(dockerfile)).toEqual(['127.0.0.1:5001', '127.0.0.1:5000']);
  });
});
