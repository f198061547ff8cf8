import { HealthModule, postgresForSchema, ServiceCoreModule } from '@app/common';
import { Module } from '@nestjs/common';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { userServiceEnvSchema } from './config';
import { CreateUsers1732500000000 } from './migrations/1732500000000-create-users';
import { User } from './users/user.entity';
import { UsersModule } from './users/users.module';

@Module({
  imports: [
    ServiceCoreModule.forRoot(userServiceEnvSchema),
    TypeOrmModule.forRootAsync(
      postgresForSchema({ schema: 'user_service', entities: [User], migrations: [CreateUsers1732500000000] }),
    ),
    HealthModule.forChecks({
      inject: [TypeOrmHealthIndicator],
      useFactory: (db: TypeOrmHealthIndicator) => [() => db.pingCheck('postgres', { timeout: 1000 })],
    }),
    UsersModule,
  ],
})
export class AppModule {}
