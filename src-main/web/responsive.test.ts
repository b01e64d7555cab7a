import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeRandomCheckpoint, randomCheckpointPresets } from '../../models/random-checkpoint';
import { TOKEN_HEADER } from '../core/contract';
import { startWebApp, type WebApp } from './web-app';

/**
 * The web shell stays responsive while an answer computes: this process is the server (the
 * composition root, the service, its ask queue and reader), the question goes over HTTP, and a
 * BERT-base-wide model (H 768, 12 heads, FFN 3072; 2 layers to keep the files small) over 8 full
 * passages costs hundreds of ms in ONNX Runtime, on the service's engine thread.
 */
let root: string;
let app: WebApp;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'web-responsive-'));
  const model = await makeRandomCheckpoint({ ...randomCheckpointPresets['bert-base'], layers: 2, seed: 11, out: join(root, 'model') });
  const docs = join(root, 'docs');
  mkdirSync(docs);
  const sentence = 'The lighthouse keeper of the northern harbour kept the lamp burning through every winter storm. ';
  for (let d = 0; d < 8; d++) writeFileSync(join(docs, `log-${d}.txt`), `Log ${d}. ${sentence.repeat(18)}`);
  app = await startWebApp({ appDataDir: join(root, 'data'), model, builtinModelDir: null, watch: false, staticDir: root });
  await app.service['folders.add']({ path: docs });
  await app.service.whenIdle();
}, 300_000);

afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

const ask = async () => {
  const response = await fetch(`${app.server.origin}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: app.server.token },
    body: JSON.stringify({ question: 'Who kept the lamp burning?', topPassages: 8 }),
  });
  return (await response.json()) as { ok: boolean; value: { mode: string; answers: unknown[]; timings: { upperMs: number } } };
};

it('answers over HTTP while the serving thread stalls for under half of the ONNX run’s time', async () => {
  expect((await ask()).value.mode).toBe('deformer'); // sessions open on first use: not measured
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  const result = await ask();
  const askMs = performance.now() - t0;
  await new Promise((resolve) => setTimeout(resolve, 10)); // a stall is recorded when the monitor's timer fires
  delay.disable();
  expect(result.value.answers.length).toBeGreaterThan(0);
  // The claim is that no ONNX Runtime run blocks this thread, so the bound is relative to the run's
  // own time (upperMs), not fixed milliseconds: a loaded machine stretches the run and any stall
  // alike. Inline, the run alone stalls the thread for all of upperMs (core/answer/off-thread.test.ts
  // shows it); retrieval and cache reads stay on this thread and are small beside it.
  const { upperMs } = result.value.timings;
  expect(upperMs).toBeGreaterThan(0.3 * askMs); // the run is most of the question, so the bound below means something
  console.log(`web shell: ask ${askMs.toFixed(0)} ms, ONNX run ${upperMs.toFixed(0)} ms, longest stall of the serving thread ${(delay.max / 1e6).toFixed(1)} ms`);
  expect(delay.max / 1e6).toBeLessThan(0.5 * upperMs);
}, 120_000);
