import { createInstallSecretsRepository } from '@rootwatch/db';
import { type CursorCodec, createCursorCodec } from '../cursor-codec';
import { sharedPlugin } from './shared-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Signs and checks the opaque cursors of every paginated list. */
    cursors: CursorCodec;
  }
}

export type CursorsPluginOptions = {
  /** The HMAC key; absent: the install's own, kept in the database (see BuildAppOptions.cursorSecret). */
  cursorSecret?: string | Buffer;
};

export const cursorsPlugin = sharedPlugin<CursorsPluginOptions>(
  { name: 'rootwatch-cursors', decorators: { fastify: ['db'] } },
  async (app, { cursorSecret }) => {
    // Shared by every replica through the database, so a stored cursor survives restarts and load balancing.
    const secret =
      cursorSecret ??
      (await createInstallSecretsRepository({ db: app.db }).getOrCreate({
        name: 'api-cursor-hmac',
      }));
    app.decorate('cursors', createCursorCodec({ secret }));
  },
);
