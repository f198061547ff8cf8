import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commonEnvSchema, env, InvalidEnvironmentError, parseEnv } from './env';

const schema = commonEnvSchema.extend({ PORT: env.port(3001), REDIS_URL: env.redisUrl() });

describe(parseEnv.name, () => {
  it('applies the defaults of the design table', () => {
    const sut = parseEnv(schema, {});
    expect(sut).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 3001,
      REDIS_URL: 'redis://127.0.0.1:6379',
      FAULTS_ENABLED: false,
    });
  });

  it('takes an IP address or a host name for HOST, and names it otherwise', () => {
    for (const host of ['0.0.0.0', '::', '::1', 'localhost', 'queue-service', 'my.host.example'])
      expect(parseEnv(schema, { HOST: host }).HOST).toBe(host);
    for (const host of ['http://0.0.0.0', '0.0.0.0:3001', 'a b', '-x'])
      expect(() => parseEnv(schema, { HOST: host }), host).toThrow(
        /HOST: must be an IP address or a host name/,
      );
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv(schema, { PORT: '' }).PORT).toBe(3001);
  });

  it('names every bad variable with its value', () => {
    const parse = () => parseEnv(schema, { PORT: 'abc', REDIS_URL: 'http://x', FAULT_ERROR_RATE: '2' });
    expect(parse).toThrow(InvalidEnvironmentError);
    try {
      parse();
    } catch (error) {
      const { problems } = error as InvalidEnvironmentError;
      expect(problems).toHaveLength(3);
      expect(problems.join('\n')).toMatch(/PORT: .*"abc"/);
      expect(problems.join('\n')).toMatch(/REDIS_URL: must use redis:\/\/ or rediss:\/\//);
      expect(problems.join('\n')).toMatch(/FAULT_ERROR_RATE/);
    }
  });

  it('accepts only true/false for booleans', () => {
    expect(parseEnv(schema, { FAULTS_ENABLED: 'true' }).FAULTS_ENABLED).toBe(true);
    expect(() => parseEnv(schema, { FAULTS_ENABLED: 'yes' })).toThrow(
      /FAULTS_ENABLED: must be true or false/,
    );
  });

  it('leaves unrelated variables out', () => {
    expect(parseEnv(z.object({ A: z.string().default('a') }), { B: 'b' })).toEqual({ A: 'a' });
  });
});
