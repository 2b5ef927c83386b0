// docs/container.md's Kubernetes example is valid YAML and agrees with the holdfast flags it passes: the ports
// the probes and the Service use are the ones --listen and --health bind, the probe paths exist, and the grace
// period covers --shutdown-delay + --drain-timeout + the documented margin. The flags themselves go through the
// CLI's own config resolution.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { resolveConfig } from '../packages/cli/src/config.js';
import { ROOT } from './helpers/holdfast.js';

/** Seconds the holder needs beyond delay + drain: up to 2 s to end orphans, then its own exit (docs/container.md). */
const MARGIN_S = 5;

interface Container {
  args: string[]; ports: { name: string; containerPort: number }[];
  readinessProbe: { httpGet: { path: string; port: string | number } };
  livenessProbe: { httpGet: { path: string; port: string | number } };
}

it('the Deployment in docs/container.md matches the flags it runs holdfast with', () => {
  const doc = readFileSync(join(ROOT, 'docs/container.md'), 'utf8');
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
  const docs = blocks.flatMap((b) => parseAllDocuments(b).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Record<string, any>;
  }));
  const deployment = docs.find((d) => d.kind === 'Deployment')!;
  const service = docs.find((d) => d.kind === 'Service')!;
  expect(deployment, 'a Deployment block').toBeDefined();
  const pod = deployment.spec.template.spec;
  const c = pod.containers[0] as Container;
  expect(c.args[0]).toBe('run');
  const dashdash = c.args.indexOf('--');
  const flags: Record<string, string | string[]> = {};
  const opts = c.args.slice(1, dashdash);
  for (let i = 0; i < opts.length; i += 2) {
    const key = opts[i].replace(/^-+/, '').replace(/-(\w)/g, (_, ch: string) => ch.toUpperCase());
    const value = opts[i + 1];
    flags[key === 'l' ? 'listen' : key] = key === 'l' || key === 'envFile' ? [...(flags[key === 'l' ? 'listen' : key] as string[] ?? []), value] : value;
  }
  const cfg = resolveConfig(flags, c.args.slice(dashdash + 1), {}, ROOT);

  const port = (p: string | number) => (typeof p === 'number' ? p : c.ports.find((x) => x.name === p)!.containerPort);
  const http = cfg.sockets.find((s) => s.name === 'http')!;
  expect(c.ports.find((p) => p.name === 'http')!.containerPort).toBe(http.open!.port);
  expect(port(c.readinessProbe.httpGet.port)).toBe(cfg.health!.port);
  expect(port(c.livenessProbe.httpGet.port)).toBe(cfg.health!.port);
  expect(cfg.health!.port).not.toBe(http.open!.port);
  expect(c.readinessProbe.httpGet.path).toBe('/readyz');
  expect(c.livenessProbe.httpGet.path).toBe('/livez');
  expect(service.spec.ports[0].targetPort).toBe('http');

  const needS = (cfg.shutdownDelayMs ?? 0) / 1000 + cfg.drainTimeoutMs / 1000 + MARGIN_S;
  expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(needS);
  expect(cfg.shutdownDelayMs).toBeGreaterThan(0);
  // The margin the text promises is the one this test uses.
  expect(doc).toContain(`terminationGracePeriodSeconds >= shutdown-delay + drain-timeout + ${MARGIN_S} s margin`);
  expect(doc).toContain(`# >= shutdown-delay (${cfg.shutdownDelayMs! / 1000} s) + drain-timeout (${cfg.drainTimeoutMs / 1000} s) + ${MARGIN_S} s margin`);
});
