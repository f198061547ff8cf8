import { refusal, ServiceClient } from '@app/common';
import { Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { QueueServiceEnv } from '../config';

export interface RegisteredUser {
  id: string;
  name: string;
}

/** Asks user-service whether a user exists before they may queue. */
@Injectable()
export class UsersClient {
  private readonly client: ServiceClient;

  constructor(config: ConfigService<QueueServiceEnv, true>) {
    this.client = new ServiceClient(
      'user-service',
      config.get('USER_SERVICE_URL', { infer: true }),
      config.get('DEPENDENCY_TIMEOUT_MS', { infer: true }),
    );
  }

  async getUser(userId: string): Promise<RegisteredUser> {
    const { status, body } = await this.client.request<RegisteredUser>('GET', `/users/${userId}`);
    if (status === 404) throw refusal(() => new NotFoundException(`user ${userId} is not registered`));
    if (status !== 200) throw new Error(`user-service answered ${status} for user ${userId}`);
    return body;
  }
}
