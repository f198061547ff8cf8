import './instrument';
import { bootstrapService } from '@app/common';
import { version } from '../../../package.json';
import { AppModule } from './app.module';

void bootstrapService(AppModule, {
  name: 'user-service',
  version,
  description: 'Registers the users who queue for tickets',
});
