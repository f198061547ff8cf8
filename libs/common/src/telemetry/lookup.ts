import CacheableLookup from 'cacheable-lookup';
import { promises as dns } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, setGlobalDispatcher } from 'undici';

/**
 * Outbound name lookups off libuv's thread pool. dns.lookup (getaddrinfo) runs on the pool's four threads, and a
 * name whose DNS does not answer (a stopped container, an offline laptop's upstream) holds one for about 10 s:
 * the exporters' and the profiler's lookups of a missing backend then keep the lookups that requests need
 * waiting. cacheable-lookup asks DNS through c-ares (dns.Resolver, off the pool) with a short bound, keeps each
 * answer for its TTL, and uses the system lookup only for a name DNS says does not exist (/etc/hosts' entries).
 */
export const cachedLookup = new CacheableLookup({
  resolver: new dns.Resolver({ timeout: 1000, tries: 2 }),
  maxTtl: 60,
  // A failed lookup is not asked again for a few seconds: a missing backend costs one query, not one per batch.
  errorTtl: 5,
});

/** fetch (the profiler's uploads and the services' calls to each other) connects through the cached lookup. */
export function useCachedLookups(): void {
  // cacheable-lookup's overloads are dns.lookup's; net's LookupFunction type names only one of them.
  setGlobalDispatcher(new Agent({ connect: { lookup: cachedLookup.lookup as unknown as LookupFunction } }));
}
