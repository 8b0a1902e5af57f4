import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { sharedPlugin } from './shared-plugin';

/**
 * The OpenAPI 3.1 document of every route registered after this plugin (served by GET /openapi.json) and
 * Swagger UI at /docs. Registered after the auth plugin, whose onRoute hook adds each route's security first.
 */
export const openapiPlugin = sharedPlugin(
  { name: 'rootwatch-openapi', dependencies: ['rootwatch-auth'] },
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Rootwatch API',
          version: '1.0.0',
          description:
            'Root-user posture of every account of your AWS Organizations: summary, accounts, history, drift feed, findings, trend and scans.',
        },
        components: {
          securitySchemes: {
            apiKey: {
              type: 'http',
              scheme: 'bearer',
              description: 'An API key (rw_…) created with `rootwatch api-keys create`.',
            },
          },
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
);
