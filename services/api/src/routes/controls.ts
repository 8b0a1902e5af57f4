import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CONTROL_CATALOG } from '@rootwatch/core';
import { Type } from 'typebox';
import { errorResponses } from '../schemas/common';
import { ControlDefinitionSchema } from '../schemas/resources';

export const controlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/controls',
    {
      config: { auth: 'read' },
      schema: {
        tags: ['controls'],
        summary: 'The control catalog',
        response: { 200: Type.Object({ items: Type.Array(ControlDefinitionSchema) }), ...errorResponses },
      },
    },
    async () => ({ items: CONTROL_CATALOG.map((control) => ({ ...control })) }),
  );
};
