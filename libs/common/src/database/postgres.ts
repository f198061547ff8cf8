import { ConfigService } from '@nestjs/config';
import { TypeOrmModuleAsyncOptions } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions, MixedList } from 'typeorm';

export interface PostgresSchemaOptions {
  /** The Postgres schema this service owns; its tables and its migrations table live there. */
  schema: string;
  entities: MixedList<Function>;
  migrations: MixedList<Function>;
}

/**
 * TypeORM on Postgres for a service that owns one schema. Migrations run at start under an advisory lock,
 * so replicas starting together migrate once; the connection is retried while the database comes up.
 */
export function postgresForSchema(options: PostgresSchemaOptions): TypeOrmModuleAsyncOptions {
  return {
    inject: [ConfigService],
    useFactory: (config: ConfigService) => ({
      type: 'postgres' as const,
      url: config.getOrThrow<string>('DATABASE_URL'),
      schema: options.schema,
      entities: options.entities,
      migrations: options.migrations,
      migrationsTableName: 'migrations',
      migrationsRun: false,
      synchronize: false,
      retryAttempts: 60,
      retryDelay: 1000,
      extra: {
        max: 20,
        // The longest a request waits for a pooled connection (a burst of 2000 buyers queues here) or for
        // Postgres to accept one, then gets a 503; a refused connection (Postgres down) fails at once.
        connectionTimeoutMillis: 10_000,
        statement_timeout: 5000,
        application_name: options.schema,
      },
    }),
    dataSourceFactory: async (dataSourceOptions?: DataSourceOptions) => {
      const dataSource = await new DataSource(dataSourceOptions!).initialize();
      try {
        await migrateUnderLock(dataSource, options.schema);
      } catch (error) {
        await dataSource.destroy();
        throw error;
      }
      return dataSource;
    },
  };
}

async function migrateUnderLock(dataSource: DataSource, schema: string): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`migrations:${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`migrations:${schema}`])
      .catch(() => undefined);
    await runner.release();
  }
}
