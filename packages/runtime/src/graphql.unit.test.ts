import { afterEach, describe, expect, it } from '@jest/globals';
import { createLogger } from '@maison/service-kit';
import { gql } from 'graphql-tag';
import type { ServiceContext } from './context.js';
import { startSubgraph } from './graphql.js';

// Apollo installs its own SIGTERM/SIGINT handlers outside NODE_ENV=test; they call stop() before
// the runtime's shutdown does, and @apollo/server 5.5 never releases a second, concurrent stop()
// (its barrier is resolved only on failure; the freshness bench's shutdown hung on it). The
// runtime owns the signals and shares one stop() between callers.
describe('startSubgraph', () => {
  const nodeEnv = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = nodeEnv;
  });

  it('leaves SIGTERM and SIGINT to the runtime, in production too', async () => {
    process.env.NODE_ENV = 'production';
    const before = [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')];
    const ctx = {
      logger: createLogger({ service: 'test', level: 'silent' }),
      verifier: {} as ServiceContext['verifier'],
    };
    const subgraph = await startSubgraph(
      {
        name: 'profiles',
        subgraph: {
          typeDefs: gql`
            type Query {
              ping: String
            }
          `,
          resolvers: { Query: { ping: () => 'pong' } },
        },
      },
      ctx,
    );
    try {
      expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual(before);
      // two stops at once return (two concurrent server.stop() calls would hang)
      await Promise.all([subgraph.stop(), subgraph.stop()]);
    } finally {
      await subgraph.stop();
    }
  });
});
