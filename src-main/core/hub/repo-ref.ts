import { DeskError } from '../errors';

/** A Hugging Face model repository at a revision (branch, tag, `refs/pr/N` or commit hash). */
export interface RepoRef {
  /** `owner/name` (or a legacy single-segment id such as `bert-base-uncased`). */
  repo: string;
  revision: string;
}

/** The hub's own rule for repo ids: word characters, '-', '.', at most one '/', no '--' or '..'. */
const repoIdPattern = /^[\w.-]{1,96}(\/[\w.-]{1,96})?$/;

/** Parses `owner/name[@revision]`; the revision defaults to `main`. */
export function parseRepoRef(text: string): RepoRef {
  const at = text.indexOf('@');
  const repo = (at < 0 ? text : text.slice(0, at)).trim();
  const revision = at < 0 ? 'main' : text.slice(at + 1).trim();
  if (!isRepoId(repo)) {
    throw new DeskError('BAD_REQUEST', `"${repo}" is not a Hugging Face repo id; expected owner/name, e.g. distilbert/distilbert-base-cased-distilled-squad`);
  }
  if (!revision || /[\s\\]|\.\./.test(revision)) {
    throw new DeskError('BAD_REQUEST', `"${revision}" is not a revision; use a branch, tag, refs/pr/N or commit hash`);
  }
  return { repo, revision };
}

export function isRepoId(repo: string): boolean {
  return repoIdPattern.test(repo) && !repo.includes('--') && !repo.includes('..') && !/^[.-]|[.-]$/.test(repo);
}

/** The folder name a hub model is installed under: `owner--name` (the hub cache's convention, minus `models--`). */
export function safeModelName(repo: string): string {
  return repo.replace('/', '--');
}

/** A folder name from anything a person typed or a file was called: keeps [A-Za-z0-9_.-], nothing hidden. */
export function sanitizeName(text: string): string {
  const name = text.replace(/[^\w.-]+/g, '-').replace(/^[.-]+|[.-]+$/g, '');
  return name.slice(0, 120) || 'model';
}

/** A revision as one URL path segment (`refs/pr/3` → `refs%2Fpr%2F3`), as huggingface_hub quotes it. */
export function encodeRevision(revision: string): string {
  return encodeURIComponent(revision);
}

/** A repo file path as URL path segments (slashes between folders kept). */
export function encodeFilePath(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

/** True for a full 40-hex git commit id. */
export function isCommitHash(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}
