import { type ErrorCode, isShoalError, type ShoalError } from '@shoal/models';
import { createTestDatabase, type ServiceName } from '@shoal/testkit';
import { afterAll, beforeAll, expect } from 'vitest';
import { openStore } from '../open.js';
import type { Page, Store } from '../types.js';

export interface Driver {
  readonly name: Store['driver'];
  readonly services: readonly ServiceName[];
  /** A store on an empty database of its own, and how to get rid of it. */
  open(): Promise<{ store: Store; dispose(): Promise<void> }>;
}

export const DRIVERS: readonly Driver[] = [
  {
    name: 'pglite',
    services: [],
    async open() {
      const store = await openStore({ url: 'pglite:memory' });
      return { store, dispose: () => store.close() };
    },
  },
  {
    name: 'postgres',
    services: ['postgres'],
    async open() {
      const database = await createTestDatabase({ prefix: 'shoal_store' });
      const store = await openStore({ url: database.url });
      return {
        store,
        async dispose() {
          await store.close();
          await database.drop();
        },
      };
    },
  },
];

export interface StoreContext {
  readonly store: Store;
  readonly driver: Driver;
}

/** One store per suite (PGlite starts in ~2 s); tests keep apart by using fresh ids. */
export function useStore(driver: Driver): StoreContext {
  let opened: { store: Store; dispose(): Promise<void> } | undefined;
  beforeAll(async () => {
    opened = await driver.open();
  });
  afterAll(async () => {
    await opened?.dispose();
  });
  return {
    driver,
    get store() {
      if (!opened) throw new Error('the store is opened in beforeAll');
      return opened.store;
    },
  };
}

/** Awaits a rejection and checks that it is a ShoalError with `code`. */
export async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<ShoalError> {
  try {
    await promise;
  } catch (error) {
    if (isShoalError(error) && error.code === code) return error;
    throw new Error(`expected a ShoalError ${code}, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a ShoalError ${code}, but the call succeeded`);
}

/** Follows next tokens to the end; checks the last page says so. */
export async function walk<T>(
  fetch: (token: string | undefined) => Promise<Page<T>>,
  max = 100,
): Promise<T[][]> {
  const pages: T[][] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    pages.push(page.items);
    token = page.nextToken;
    expect(pages.length).toBeLessThan(max);
  } while (token);
  return pages;
}
