import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { openSession, type ProviderChoice } from '../model/providers';
import type { ProviderName } from '../model/types';

const { onnx } = onnxProto;

/** A one-node graph (Identity over float[1]): enough for ONNX Runtime to open a session on a provider. */
function probeModel(): Uint8Array {
  const info = (name: string) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'deformer-desk doctor',
    graph: {
      name: 'provider-probe',
      node: [{ opType: 'Identity', input: ['x'], output: ['y'], name: 'identity' }],
      input: [info('x')],
      output: [info('y')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * What `provider` (default `auto`) actually runs on here, and why: opens a real session with the
 * engine's own provider logic (core/model/providers.ts) on a one-node graph.
 */
export async function probeProvider(provider: ProviderName = 'auto'): Promise<ProviderChoice> {
  const dir = await mkdtemp(join(tmpdir(), 'desk-provider-probe-'));
  try {
    const path = join(dir, 'probe.onnx');
    await writeFile(path, probeModel());
    const { session, provider: choice } = await openSession(path, { provider, threads: 1 });
    await session.release();
    return choice;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
