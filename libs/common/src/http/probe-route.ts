/** Probes and scrapes: neither traced, nor counted in the request metrics, nor faulted. */
export const probeRoute = /^\/(health|metrics)(\/|$|\?)/;
