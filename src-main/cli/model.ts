/**
 * `model pull <repo-id>[@revision] | import <dir|zip> | list | remove <name> | use <name>`
 * Installs and manages QA checkpoints in the models folder (default <app data>/models, or --models).
 * A catalogue id or repo (models/catalogue.json) is pulled at its pinned revision.
 * Ctrl-C during a pull keeps the partial download; the same command resumes it.
 */
import { resolve } from 'node:path';
import { builtinModelDir } from '../../models/builtin';
import { type Catalogue, findCatalogueEntry, loadCatalogue } from '../../models/catalogue';
import { ModelManager } from '../core/hub/model-manager';
import { formatBytes, type PullProgress } from '../core/hub/progress';
import { dataFolders } from '../core/backend/setup';
import { parseCommand, usageError } from './args';

const usage = [
  'usage: model pull <repo-id|catalogue-id>[@revision]   download from the Hugging Face hub (HF_ENDPOINT, HF_TOKEN, HTTPS_PROXY honoured)',
  '       model import <dir|zip> [--name NAME] [--replace] install a local checkpoint folder or .zip of one',
  '       model list [--json]                               installed models (* = active) and the catalogue',
  '       model remove <name>                               delete an installed model',
  '       model use <name>                                  make a model the active one',
  'options: --db DIR (the data folder, default the app\'s own) or --models DIR (default <data>/models)',
].join('\n');

/** Runs the command; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand(usage, {
    args,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      models: { type: 'string' },
      name: { type: 'string' },
      replace: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const [action, target, ...extra] = parsed.positionals;
  const needsTarget = ['pull', 'import', 'remove', 'use'].includes(action ?? '');
  if (!action || extra.length > 0 || (needsTarget ? !target : action !== 'list' || target)) return usageError(usage);
  const { modelsDir } = dataFolders({ library: values.db, models: values.models });
  const catalogue = loadCatalogue();
  const manager = new ModelManager({ modelsDir, builtinDir: builtinModelDir, knownSha256: (repo, revision) => pinnedHashes(catalogue, repo, revision) });

  switch (action) {
    case 'pull':
      return pull(manager, catalogue, target);
    case 'import': {
      const model = await manager.importFolder(resolve(target), { name: values.name, replace: values.replace });
      console.log(`imported ${model.name} (${model.meta.arch}, ${model.meta.layers} layers) into ${model.dir}`);
      return 0;
    }
    case 'list':
      return list(manager, catalogue, values.json);
    case 'remove':
      await manager.remove(target);
      console.log(`removed ${target}`);
      return 0;
    case 'use': {
      const model = await manager.setActive(target);
      console.log(`active model: ${model.name}`);
      return 0;
    }
    default:
      console.error(`unknown action "${action}"\n${usage}`);
      return 2;
  }
}

/** sha256 pins of a catalogue entry, when pulling exactly its pinned revision. */
function pinnedHashes(catalogue: Catalogue, repo: string, revision: string): Record<string, string> | undefined {
  const entry = findCatalogueEntry(catalogue, repo);
  if (!entry || entry.revision !== revision) return undefined;
  return Object.fromEntries(entry.files.flatMap((f) => (f.sha256 ? [[f.name, f.sha256]] : [])));
}

async function pull(manager: ModelManager, catalogue: Catalogue, target: string): Promise<number> {
  const entry = target.includes('@') ? undefined : findCatalogueEntry(catalogue, target);
  const ref = entry ? `${entry.repo}@${entry.revision}` : target;
  if (entry) console.error(`${entry.id}: ${entry.repo} at pinned revision ${entry.revision.slice(0, 12)} (about ${entry.downloadApprox})`);
  for (const caveat of entry?.caveats ?? []) console.error(`note: ${caveat}`);
  // Ctrl-C: leave the .part files for the next run instead of cancelling (which would discard them).
  const onSigint = () => {
    process.stderr.write('\ninterrupted: the partial download is kept; run the same command to resume\n');
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  const bar = new ProgressLine();
  try {
    const model = await manager.pull(ref, { onProgress: (p) => bar.update(p) });
    bar.finish();
    const synthesized = model.meta.tokenizerSynthesized ? ' (tokenizer.json built from vocab.txt)' : '';
    console.log(`installed ${model.name} at ${model.meta.commit?.slice(0, 12)} into ${model.dir}${synthesized}`);
    if ((await manager.active())?.name === model.name) console.log(`active model: ${model.name}`);
    return 0;
  } catch (err) {
    bar.finish();
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function list(manager: ModelManager, catalogue: Catalogue, json: boolean): Promise<number> {
  const installed = await manager.list();
  const active = (await manager.active())?.name;
  if (json) {
    console.log(JSON.stringify({ modelsDir: manager.modelsDir, active, installed, catalogue: catalogue.models }, null, 2));
    return 0;
  }
  console.log(`models in ${manager.modelsDir}:`);
  if (installed.length === 0) console.log('  none installed');
  for (const m of installed) {
    const size = formatBytes(m.meta.files.reduce((n, f) => n + f.size, 0));
    const from = m.isBuiltin ? 'built in (cannot be removed)' : m.meta.repo ? `${m.meta.repo}@${m.meta.commit?.slice(0, 12)}` : `imported from ${m.meta.importedFrom}`;
    console.log(`${m.name === active ? '* ' : '  '}${m.name.padEnd(48)} ${m.meta.arch.padEnd(10)} ${String(m.meta.layers).padStart(2)}x${m.meta.hidden}  ${size.padStart(8)}  ${from}`);
  }
  for (const p of await manager.partialPulls()) console.log(`  (partial download ${p.name}: ${formatBytes(p.bytes)}; pull again to resume)`);
  console.log('\ncatalogue (model pull <id>):');
  for (const e of catalogue.models) {
    const isInstalled = installed.some((m) => m.meta.repo?.toLowerCase() === e.repo.toLowerCase());
    console.log(`  ${e.id.padEnd(26)} ${e.repo.padEnd(50)} ${e.arch} ${e.layers}x${e.hidden} ${e.downloadApprox.padStart(7)}  k=${e.recommendedK}${isInstalled ? '  [installed]' : ''}`);
  }
  return 0;
}

/** One self-rewriting progress line on a terminal; a line per file (and per 10%) otherwise. */
class ProgressLine {
  private readonly isTty = Boolean(process.stderr.isTTY);
  private lastFile = '';
  private lastTenth = -1;
  private drawn = false;

  update(p: PullProgress): void {
    if (p.phase === 'resolve' || p.phase === 'done') return;
    if (p.phase === 'install' || p.phase === 'verify') return this.line(`${p.phase === 'install' ? 'validating and installing' : 'verifying'}...`);
    const overall = p.total ? `${formatBytes(p.bytes)}/${formatBytes(p.total)}` : formatBytes(p.bytes);
    const fraction = p.total ? p.bytes / p.total : 0;
    const speed = p.bytesPerSecond > 0 ? `  ${formatBytes(p.bytesPerSecond)}/s` : '';
    const width = 24;
    const filled = Math.round(fraction * width);
    const text = `${(p.file ?? '').padEnd(24)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${overall}${speed}`;
    if (this.isTty) {
      process.stderr.write(`\r${text}\x1b[K`);
      this.drawn = true;
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (p.file !== this.lastFile || tenth !== this.lastTenth) {
      this.lastFile = p.file ?? '';
      this.lastTenth = tenth;
      process.stderr.write(`${text}\n`);
    }
  }

  finish(): void {
    if (this.drawn) process.stderr.write('\n');
    this.drawn = false;
  }

  private line(text: string): void {
    if (this.drawn) process.stderr.write('\n');
    this.drawn = false;
    process.stderr.write(`${text}\n`);
  }
}
