import {
  type AggregatesRepository,
  createAggregatesRepository,
  createRepositories,
  type Database,
  type Db,
  type Repositories,
} from '@rootwatch/db';
import { sharedPlugin } from './shared-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The pool's drizzle handle, for transactions and what no repository covers. */
    db: Db;
    /** Every repository, bound to the pool. */
    repos: Repositories;
    /** Counts and the trend: the summary, /metrics and readiness. */
    aggregates: AggregatesRepository;
  }
}

export const databasePlugin = sharedPlugin<{ database: Database }>(
  { name: 'rootwatch-database' },
  async (app, { database }) => {
    app.decorate('db', database.db);
    app.decorate('repos', createRepositories({ db: database.db }));
    app.decorate('aggregates', createAggregatesRepository({ db: database.db }));
  },
);
