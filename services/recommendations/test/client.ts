import type { TestEnvironment } from '@maison/runtime/testing';

/** GraphQL over HTTP against the served module, as the gateway calls it. */
export const RECOMMENDATIONS_QUERY = `query ($id: ID!, $first: Int, $category: String) {
  _entities(representations: [{ __typename: "Client", id: $id }]) {
    ... on Client {
      recommendations(first: $first, category: $category) {
        personalised basis explanation modelVersion
        items { sku name category categoryPath collection score reason strategy
                evidence { transactionId sku name occurredAt storeId } }
      }
    }
  }
}`;

export interface Item {
  sku: string;
  name: string;
  category: string;
  categoryPath: string[];
  collection: string | null;
  score: number;
  reason: string;
  strategy: string;
  evidence: {
    transactionId: string;
    sku: string;
    name: string;
    occurredAt: string;
    storeId: string | null;
  } | null;
}

export interface List {
  personalised: boolean;
  basis: string;
  explanation: string;
  modelVersion: string;
  items: Item[];
}

export interface GraphQLResult {
  status: number;
  list: List | null;
  errors: { message: string; extensions?: { code?: string } }[];
}

export async function graphql(
  url: string,
  authorization: string | undefined,
  variables: { id: string; first?: number; category?: string },
): Promise<GraphQLResult> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify({ query: RECOMMENDATIONS_QUERY, variables }),
  });
  const body = (await res.json()) as {
    data?: { _entities: ({ recommendations: List | null } | null)[] } | null;
    errors?: GraphQLResult['errors'];
  };
  return {
    status: res.status,
    list: body.data?._entities[0]?.recommendations ?? null,
    errors: body.errors ?? [],
  };
}

export function associate(env: TestEnvironment, storeIds = ['PAR-01']): Promise<string> {
  return env.auth.authorization({ role: 'associate', associateId: 'assoc-1', storeIds });
}

export function admin(env: TestEnvironment): Promise<string> {
  return env.auth.authorization({ role: 'admin' });
}
