const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006',
]);

const connectionMessages =
  /Connection terminated|Connection is closed|Stream isn't writeable|timeout exceeded when trying to connect|Command timed out|connect ECONNREFUSED|Reached the max retries per request|the database system is (starting|shutting) up/i;

/**
 * Tells which outside system an unexpected error came from when it is a lost connection rather than a bug,
 * so the filter can answer 503 (retry later) instead of 500.
 */
export function failedDependency(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const isConnectionFailure =
    (typeof code === 'string' && connectionCodes.has(code)) || connectionMessages.test(error.message);
  if (!isConnectionFailure) return undefined;
  const where = `${error.constructor.name} ${error.stack ?? ''}`;
  if (
    /ioredis|Redis|Command timed out|Stream isn't writeable|max retries per request/i.test(
      where + error.message,
    )
  )
    return 'redis';
  return 'postgres';
}
