import { isolatedPostgres } from '@maison/testing';
import { createPostgresEventStore } from '../src/index.js';
import { eventStoreContract } from '../src/testing/contract.js';

eventStoreContract('PostgreSQL', async () => {
  const db = await isolatedPostgres('es_contract');
  const store = await createPostgresEventStore({ connection: db.pool, schema: db.schema });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
});
