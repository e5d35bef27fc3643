import { describe, expect, it } from 'vitest';
import { DEFAULT_REPLICATE_BASE_URL, parseReplicateBaseUrl } from '../../src/replicate/base-url.ts';

describe('parseReplicateBaseUrl', () => {
  it('splits the default base URL into origin and path', () => {
    expect(parseReplicateBaseUrl(DEFAULT_REPLICATE_BASE_URL)).toEqual({
      origin: 'https://api.replicate.com',
      basePath: '/v1',
    });
  });

  it.each([
    'http://127.0.0.1:8080/v1',
    'http://127.1.2.3/v1',
    'http://localhost:9000/v1/',
    'http://[::1]:9000/v1',
    'https://replicate.example.com/v1',
  ])('accepts %s', (url) => {
    expect(() => parseReplicateBaseUrl(url)).not.toThrow();
  });

  it('drops trailing slashes from the path', () => {
    expect(parseReplicateBaseUrl('http://localhost:9000/v1//').basePath).toBe('/v1');
    expect(parseReplicateBaseUrl('http://localhost:9000').basePath).toBe('');
  });

  it.each([
    'http://api.replicate.com/v1',
    'http://10.0.0.1/v1',
    'http://localhost.example.com/v1',
    'http://127.0.0.1.nip.io/v1',
    'http://[::2]/v1',
    'ftp://localhost/v1',
    'not a url',
    'https://user:pass@api.replicate.com/v1',
    'https://api.replicate.com/v1?token=x',
  ])('refuses %s', (url) => {
    expect(() => parseReplicateBaseUrl(url)).toThrow(TypeError);
  });

  it('never echoes the URL (it may carry credentials) in its error', () => {
    expect(() => parseReplicateBaseUrl('https://user:s3cret@api.replicate.com/v1')).toThrow(/^(?!.*s3cret)/);
  });
});
