import './instrument';
import { bootstrapService } from '@app/common';
import { version } from '../../../package.json';
import { AppModule } from './app.module';

void bootstrapService(AppModule, {
  name: 'ticket-service',
  version,
  description: 'Sells the seats of the event to admitted users, never one seat twice',
});
