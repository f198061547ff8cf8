import CacheableLookup from 'cacheable-lookup';
import { promises as dns } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, setGlobalDispatcher } from 'undici';

/**
 * fetch (the services' calls to each other, the profiler's uploads) looks names up off libuv's thread pool.
 * dns.lookup (getaddrinfo) runs on the pool's four threads, and a name whose DNS does not answer (a stopped
 * container, an offline laptop's upstream) holds one for about 10 s: a burst of requests to a service that is
 * away would then keep every other lookup and file read waiting. cacheable-lookup asks DNS through c-ares
 * (dns.Resolver, off the pool) with a bound (1 s, tried twice), keeps each answer for its TTL, and falls back to
 * the system lookup only for a name DNS says does not exist (/etc/hosts' entries).
 */
export function useCachedDnsForFetch(): void {
  const cached = new CacheableLookup({
    resolver: new dns.Resolver({ timeout: 1000, tries: 2 }),
    maxTtl: 60,
    // A failed lookup is not asked again for a few seconds: a missing service costs one query, not one a request.
    errorTtl: 5,
  });
  // cacheable-lookup's overloads are dns.lookup's; net's LookupFunction type names only one of them.
  setGlobalDispatcher(new Agent({ connect: { lookup: cached.lookup as unknown as LookupFunction } }));
}
