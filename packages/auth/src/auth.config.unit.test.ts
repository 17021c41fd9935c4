import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '@maison/service-kit';
import { authConfig, verifierFromConfig } from './index.js';

const env = {
  AUTH_ISSUER: 'https://idp.example/, https://idp-backup.example/',
  AUTH_AUDIENCE: 'maison-api',
  AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json',
};

describe('authConfig', () => {
  it('loads with defaults through service-kit', () => {
    expect(loadConfig(authConfig, env)).toEqual({
      ...env,
      AUTH_JWKS_ALLOW_HTTP: false,
      AUTH_CLOCK_TOLERANCE_SECONDS: 30,
    });
  });

  it('names every missing setting', () => {
    expect(() => loadConfig(authConfig, {})).toThrow(ConfigError);
    try {
      loadConfig(authConfig, {});
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.key)).toEqual([
        'AUTH_ISSUER',
        'AUTH_AUDIENCE',
        'AUTH_JWKS_URL',
      ]);
    }
  });

  it('refuses a plain-http JWKS on a remote host unless explicitly allowed', () => {
    const insecure = { ...env, AUTH_JWKS_URL: 'http://dev-issuer:4000/.well-known/jwks.json' };
    expect(() => verifierFromConfig(loadConfig(authConfig, insecure))).toThrow(/https/);
    expect(() =>
      verifierFromConfig(loadConfig(authConfig, { ...insecure, AUTH_JWKS_ALLOW_HTTP: 'true' })),
    ).not.toThrow();
  });
});
