import { refusal, ServiceClient } from '@app/common';
import { ForbiddenException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { TicketServiceEnv } from '../config';

/** Asks queue-service whether a token is the user's live admission. */
@Injectable()
export class AdmissionsClient {
  private readonly client: ServiceClient;

  constructor(config: ConfigService<TicketServiceEnv, true>) {
    this.client = new ServiceClient(
      'queue-service',
      config.get('QUEUE_SERVICE_URL', { infer: true }),
      config.get('DEPENDENCY_TIMEOUT_MS', { infer: true }),
    );
  }

  async assertAdmitted(userId: string, admissionToken: string): Promise<void> {
    const { status } = await this.client.request('POST', '/queue/admissions/verify', {
      userId,
      admissionToken,
    });
    if (status === 403) {
      throw refusal(
        () => new ForbiddenException({ code: 'NOT_ADMITTED', message: 'no valid admission for this user' }),
      );
    }
    if (status !== 200) throw new Error(`queue-service answered ${status} to an admission check`);
  }
}
