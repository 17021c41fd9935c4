import { readFileSync } from 'node:fs';
import { requirePrincipal } from '@maison/auth';
import type { GraphQLContext, SubgraphResolvers } from '@maison/runtime';
import { gql } from 'graphql-tag';
import type { Recommendation } from '../engine/recommend.js';
import { parseRequest, type Recommender } from '../recommender.js';

/** The subgraph SDL, kept in `services/recommendations/schema.graphql`. */
export const typeDefs = gql(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

export function resolvers(recommender: Recommender): SubgraphResolvers {
  return {
    Client: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      recommendations: async (
        client: { id: string },
        args: { first?: number | null; category?: string | null },
        ctx: GraphQLContext,
      ) => {
        const principal = requirePrincipal(ctx.principal);
        const request = parseRequest(client.id, { first: args.first, category: args.category });
        return recommender.recommend(principal, request, { requestId: ctx.requestId });
      },
    },
    Recommendation: {
      category: (item: Recommendation) => item.categoryPath[0] ?? 'Other',
    },
  };
}
