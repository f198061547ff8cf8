import { describe, expect, it } from 'vitest';
import { failedDependency } from './dependency-errors';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe(failedDependency.name, () => {
  it('recognises a refused Postgres connection', () => {
    expect(failedDependency(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(
      'postgres',
    );
    expect(failedDependency(new Error('Connection terminated unexpectedly'))).toBe('postgres');
    expect(failedDependency(withCode('terminating connection due to administrator command', '57P01'))).toBe(
      'postgres',
    );
  });

  it('recognises Redis by its client’s messages', () => {
    expect(
      failedDependency(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
    ).toBe('redis');
    expect(failedDependency(new Error('Command timed out'))).toBe('redis');
  });

  it('leaves bugs alone', () => {
    expect(
      failedDependency(new TypeError("Cannot read properties of undefined (reading 'id')")),
    ).toBeUndefined();
    expect(
      failedDependency(withCode('duplicate key value violates unique constraint', '23505')),
    ).toBeUndefined();
    expect(failedDependency('a string')).toBeUndefined();
  });
});
