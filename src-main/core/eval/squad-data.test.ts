import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDeskError } from '../errors';
import { squadDevPath } from '../testing/paths';
import { loadSquad } from './squad-data';

describe('loadSquad', () => {
  it('reads every paragraph, question and answer of dev-v1.1.json', () => {
    const ds = loadSquad(squadDevPath);
    expect(ds.version).toBe('1.1');
    expect(ds.paragraphs).toHaveLength(2067);
    const questions = ds.paragraphs.flatMap((p) => p.questions);
    expect(questions).toHaveLength(10570);
    expect(questions.reduce((n, q) => n + q.answers.length, 0)).toBe(34726);
    expect(new Set(ds.paragraphs.map((p) => p.id)).size).toBe(2067);
    expect(new Set(ds.paragraphs.map((p) => p.title)).size).toBe(48);
    expect(ds.paragraphs[0]).toMatchObject({ id: '0-0', title: 'Super_Bowl_50' });
  });

  it('keeps answer offsets that point at the answer text', () => {
    const ds = loadSquad(squadDevPath);
    const misplaced: string[] = [];
    for (const p of ds.paragraphs) {
      for (const q of p.questions) {
        for (const a of q.answers) {
          if (p.context.slice(a.answerStart, a.answerStart + a.text.length) !== a.text) misplaced.push(q.id);
        }
      }
    }
    expect(misplaced).toEqual([]);
  });

  it('rejects files that are not SQuAD', () => {
    const dir = mkdtempSync(join(tmpdir(), 'squad-'));
    try {
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ version: '1.1', data: [{ title: 'x' }] }));
      writeFileSync(join(dir, 'broken.json'), '{ not json');
      for (const name of ['bad.json', 'broken.json', 'missing.json']) {
        let error: unknown;
        try {
          loadSquad(join(dir, name));
        } catch (err) {
          error = err;
        }
        expect(isDeskError(error, 'BAD_REQUEST')).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
