import { createEmbeddedEventStore } from '../src/index.js';
import { eventStoreContract } from '../src/testing/contract.js';

eventStoreContract('embedded (PGlite, in memory)', async () => {
  const store = await createEmbeddedEventStore();
  return { store, cleanup: () => store.close() };
});
