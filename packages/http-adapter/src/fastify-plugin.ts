/**
 * holdfast as a fastify plugin: `app.register(holdfast, { fallback: 'tcp://127.0.0.1:3000' })`, then
 * `await app.ready()` attaches the server to its inherited fd (or binds the fallback) from an onReady hook,
 * so that a failure rejects app.ready(). The result is on `app.holdfast` afterwards.
 */
import { attach, type ServeOptions, type Served } from './serve.js';
import type { FastifyLike } from './http-drain.js';

/** The part of a fastify instance the plugin uses (structural: the adapter does not depend on fastify). */
interface FastifyPluginHost extends FastifyLike {
  addHook(name: 'onReady', hook: () => Promise<void>): unknown;
  decorate(name: string, value: unknown): unknown;
}

/** What the plugin puts on `app.holdfast`: `served` is set once app.ready() has attached the server. */
export interface HoldfastDecoration {
  served: Served | undefined;
}

/**
 * fastify plugin (fastify 5, not encapsulated): options are serve()'s ({@link ServeOptions}). Register it after
 * the routes' plugins; the server is attached in onReady, so READY=1 (sd_notify) goes out when `await
 * app.ready()` resolves. Do not call app.listen(). Errors: the same HoldfastAdapterError codes as serve(),
 * as a rejection of app.ready().
 */
export async function holdfastPlugin(app: FastifyPluginHost, options: ServeOptions): Promise<void> {
  const decoration: HoldfastDecoration = { served: undefined };
  app.decorate('holdfast', decoration);
  const { ...serveOptions } = options ?? {};
  app.addHook('onReady', async () => {
    decoration.served = await attach(app, serveOptions, true);
  });
}
// fastify-plugin's conventions without the dependency: no encapsulation, a display name, the fastify major.
Object.assign(holdfastPlugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@holdfast/http-adapter',
  [Symbol.for('plugin-meta')]: { name: '@holdfast/http-adapter', fastify: '5.x' },
});
