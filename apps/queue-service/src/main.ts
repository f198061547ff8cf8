import './instrument';
import { bootstrapService } from '@app/common';
import { version } from '../../../package.json';
import { AppModule } from './app.module';

void bootstrapService(AppModule, {
  name: 'queue-service',
  version,
  description: 'The lobby and waiting room of the event: join, wait, get admitted',
});
