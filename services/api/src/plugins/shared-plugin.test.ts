import Fastify from 'fastify';
import { describe, expect, test } from 'vitest';
import { sharedPlugin } from './shared-plugin';

const provider = sharedPlugin<{ value: string }>({ name: 'test-provider' }, async (app, { value }) => {
  app.decorate('testValue', value);
});

const consumer = sharedPlugin(
  { name: 'test-consumer', decorators: { fastify: ['testValue'] }, dependencies: ['test-provider'] },
  async (app) => {
    app.get('/value', async () => ({ value: app.getDecorator<string>('testValue') }));
  },
);

describe('shared plugin', () => {
  test('its decorators land on the instance that registers it, so a sibling plugin sees them', async () => {
    const app = Fastify();
    await app.register(provider, { value: 'shared' });
    await app.register(async (child) => {
      await child.register(consumer);
    });
    expect(app.hasDecorator('testValue')).toBe(true);
    expect((await app.inject({ url: '/value' })).json()).toEqual({ value: 'shared' });
    await app.close();
  });

  test('registered before what it depends on, it fails the boot', async () => {
    const app = Fastify();
    await expect(app.register(consumer)).rejects.toThrow(/testValue/);
    await app.close();
  });

  test('a plain plugin keeps its decorators to itself (the contrast the marker makes)', async () => {
    const app = Fastify();
    await app.register(async (child) => {
      child.decorate('testValue', 'encapsulated');
    });
    expect(app.hasDecorator('testValue')).toBe(false);
    await app.close();
  });
});
