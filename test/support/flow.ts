import { expect } from 'vitest';
import { get, post } from './http';
import { eventually } from './poll';
import type { Stack } from './services';

export async function registerUser(stack: Stack, name?: string): Promise<{ id: string; name: string }> {
  const response = await post(`${stack.user.url}/users`, name === undefined ? {} : { name });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

export async function joinQueue(stack: Stack, userId: string) {
  const response = await post(`${stack.queue.url}/queue/join`, { userId });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { userId: string; position: number; status: string };
}

export async function waitForAdmission(
  queueUrl: string,
  userId: string,
  timeoutMs = 20_000,
): Promise<string> {
  const admitted = async () => {
    const { status, body } = await get(`${queueUrl}/queue/status/${userId}`);
    return status === 200 && body.status === 'admitted' && (body.admissionToken as string);
  };
  return eventually(admitted, `admission of user ${userId}`, timeoutMs);
}

/** Register -> join -> admitted: the admission token of a new user. */
export async function admittedUser(stack: Stack): Promise<{ id: string; name: string; token: string }> {
  const user = await registerUser(stack);
  await joinQueue(stack, user.id);
  return { ...user, token: await waitForAdmission(stack.queue.url, user.id) };
}
