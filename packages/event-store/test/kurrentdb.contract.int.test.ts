import { describe } from '@jest/globals';
import { testEndpoints } from '@maison/testing';
import { KurrentDbEventStore } from '../src/index.js';
import { eventStoreContract } from '../src/testing/contract.js';

const url = process.env.EVENTSTORE_URL ?? testEndpoints().eventStoreUrl;

if (url === undefined) {
  describe.skip('KurrentDB adapter — skipped: EVENTSTORE_URL not set and no Docker engine reachable', () => {
    eventStoreContract('KurrentDB', () => Promise.reject(new Error('no KurrentDB server')));
  });
} else {
  eventStoreContract('KurrentDB', () => {
    const store = new KurrentDbEventStore({ connection: url });
    return Promise.resolve({ store, cleanup: () => store.close() });
  });
}
