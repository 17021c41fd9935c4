import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '@maison/service-kit';
import { gatewayConfig } from './config.js';

const auth = {
  AUTH_ISSUER: 'https://issuer.example',
  AUTH_AUDIENCE: 'maison-api',
  AUTH_JWKS_URL: 'https://issuer.example/jwks.json',
};

describe('gateway configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig(gatewayConfig, auth);
    expect(config.GATEWAY_ENGINE).toBe('hive');
    expect(config.GATEWAY_SUBGRAPH_URLS).toEqual({});
    expect(config.GATEWAY_MAX_DEPTH).toBe(12);
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('reads subgraph URLs, engine and limits', () => {
    const config = loadConfig(gatewayConfig, {
      ...auth,
      GATEWAY_ENGINE: 'apollo',
      GATEWAY_SUBGRAPH_URLS:
        'identity=http://127.0.0.1:4001/graphql, profiles=http://127.0.0.1:4002/graphql',
      GATEWAY_MAX_COST: '500',
    });
    expect(config.GATEWAY_ENGINE).toBe('apollo');
    expect(config.GATEWAY_SUBGRAPH_URLS).toEqual({
      identity: 'http://127.0.0.1:4001/graphql',
      profiles: 'http://127.0.0.1:4002/graphql',
    });
    expect(config.GATEWAY_MAX_COST).toBe(500);
  });

  it('lists every bad setting at once', () => {
    try {
      loadConfig(gatewayConfig, {
        ...auth,
        GATEWAY_ENGINE: 'router',
        GATEWAY_SUBGRAPH_URLS: 'identity',
        GATEWAY_MAX_DEPTH: '-1',
      });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const text = String(error);
      for (const key of ['GATEWAY_ENGINE', 'GATEWAY_SUBGRAPH_URLS', 'GATEWAY_MAX_DEPTH'])
        expect(text).toContain(key);
    }
  });
});
