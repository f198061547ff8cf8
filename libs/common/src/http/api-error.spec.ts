import { HttpStatus, NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { BadInputException, defaultReason, DependencyUnavailableException, refusal } from './api-error';

describe(defaultReason.name, () => {
  it('turns a status into its reason phrase', () => {
    expect(defaultReason(HttpStatus.SERVICE_UNAVAILABLE)).toBe('Service Unavailable');
    expect(defaultReason(HttpStatus.PAYLOAD_TOO_LARGE)).toBe('Payload Too Large');
    expect(defaultReason(599)).toBe('Error');
  });
});

describe(BadInputException.name, () => {
  it('names every field and joins their messages', () => {
    const sut = new BadInputException([
      { field: 'userId', errors: ['userId must be a UUID'] },
      { field: 'admissionToken', errors: ['admissionToken should not be empty'] },
    ]);
    expect(sut.getStatus()).toBe(400);
    expect(sut.getResponse()).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'userId must be a UUID; admissionToken should not be empty',
      fields: [{ field: 'userId' }, { field: 'admissionToken' }],
    });
  });
});

describe(DependencyUnavailableException.name, () => {
  it('is a 503 naming the dependency', () => {
    const sut = new DependencyUnavailableException('queue-service', 'ECONNREFUSED');
    expect(sut.getStatus()).toBe(503);
    expect(sut.getResponse()).toMatchObject({
      dependency: 'queue-service',
      message: 'queue-service is unavailable: ECONNREFUSED',
    });
  });
});

describe(refusal.name, () => {
  it('makes the exception without stack frames, and leaves the limit as it was', () => {
    const limit = Error.stackTraceLimit;
    const sut = refusal(() => new NotFoundException('user x is not in the queue'));
    expect(sut.getStatus()).toBe(404);
    expect(sut.stack).toBe('NotFoundException: user x is not in the queue');
    expect(new Error('crash').stack).toMatch(/\n\s+at /);
    expect(() =>
      refusal(() => {
        throw new Error('while making it');
      }),
    ).toThrow('while making it');
    expect(Error.stackTraceLimit).toBe(limit);
  });
});
