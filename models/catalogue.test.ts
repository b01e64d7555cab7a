import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogueSchema, cataloguePath, findCatalogueEntry, loadCatalogue } from './catalogue';

describe('models/catalogue.json', () => {
  const catalogue = loadCatalogue();

  it('lists the QA checkpoints the brief asks for, each loadable by the engine', () => {
    const repos = catalogue.models.map((m) => m.repo);
    expect(repos).toEqual(
      expect.arrayContaining([
        'distilbert/distilbert-base-cased-distilled-squad',
        'distilbert/distilbert-base-uncased-distilled-squad',
        'csarron/bert-base-uncased-squad-v1',
      ]),
    );
    expect(catalogue.models.some((m) => /minilm/i.test(m.repo) && m.hidden === 384)).toBe(true);
    for (const m of catalogue.models) {
      const names = m.files.filter((f) => f.required).map((f) => f.name);
      expect(names).toEqual(expect.arrayContaining(['config.json', 'model.safetensors']));
      // The engine needs tokenizer.json; without it the pull builds one from vocab.txt.
      expect(names.includes('tokenizer.json') || names.includes('vocab.txt')).toBe(true);
      expect(new Set(catalogue.models.map((x) => x.id)).size).toBe(catalogue.models.length);
    }
  });

  it('pins commits only where it says so, and says where each was seen', () => {
    for (const m of catalogue.models) {
      expect(m.pinned).toBe(/^[0-9a-f]{40}$/.test(m.revision));
      expect(m.revisionSource.length).toBeGreaterThan(20);
    }
  });

  it('refuses a pinned flag on a branch name and a k beyond the layers', () => {
    const raw = JSON.parse(readFileSync(cataloguePath, 'utf-8'));
    const bad = structuredClone(raw);
    bad.models[0].revision = 'main';
    expect(catalogueSchema.safeParse(bad).success).toBe(false);
    const deep = structuredClone(raw);
    deep.models[0].recommendedK = deep.models[0].layers + 1;
    expect(catalogueSchema.safeParse(deep).success).toBe(false);
  });

  it('finds an entry by short id or repo id', () => {
    expect(findCatalogueEntry(catalogue, 'bert-base-uncased-squad')?.repo).toBe('csarron/bert-base-uncased-squad-v1');
    expect(findCatalogueEntry(catalogue, 'CSARRON/bert-base-uncased-squad-v1')?.id).toBe('bert-base-uncased-squad');
    expect(findCatalogueEntry(catalogue, 'nobody/nothing')).toBeUndefined();
  });
});
