import { z } from 'zod';
import { DeskError } from '../errors';
import { statusError } from './hub-errors';
import { type HubContext, hubRequest, readBody } from './http-client';
import { encodeRevision, type RepoRef } from './repo-ref';

/** A file of a repo revision as the hub lists it; LFS files carry the sha256 of their content. */
export interface RepoFileInfo {
  size?: number;
  sha256?: string;
  /** Git blob id (sha1 of `blob <size>\0` + content) of a file kept in git itself, not LFS. */
  gitBlob?: string;
}

/** A revision resolved to its commit, with its files. */
export interface RevisionInfo {
  commit: string;
  files: Map<string, RepoFileInfo>;
}

const revisionSchema = z.object({
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  siblings: z
    .array(
      z.object({
        rfilename: z.string(),
        size: z.number().int().nonnegative().optional(),
        blobId: z.string().optional(),
        lfs: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }).nullish(),
      }),
    )
    .default([]),
});

/** `GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true`: the commit and the files with sizes and LFS hashes. */
export async function fetchRevisionInfo(ctx: HubContext, ref: RepoRef, signal?: AbortSignal): Promise<RevisionInfo> {
  const url = new URL(`${ctx.endpoint}/api/models/${ref.repo}/revision/${encodeRevision(ref.revision)}?blobs=true`);
  const { res } = await hubRequest(url, ctx, { signal, headers: { accept: 'application/json' } });
  if (res.statusCode !== 200) {
    res.resume();
    throw statusError(res, url, ref, Boolean(ctx.token));
  }
  let parsed: z.infer<typeof revisionSchema>;
  try {
    parsed = revisionSchema.parse(JSON.parse(await readBody(res)));
  } catch (err) {
    throw new DeskError('HUB_HTTP_ERROR', `${url.host} sent an unexpected answer for ${ref.repo}@${ref.revision}: ${(err as Error).message.slice(0, 200)}`, {
      url: url.href,
    });
  }
  const files = new Map<string, RepoFileInfo>();
  for (const s of parsed.siblings) {
    const gitBlob = !s.lfs && s.blobId && /^[0-9a-f]{40}$/.test(s.blobId) ? s.blobId : undefined;
    files.set(s.rfilename, { size: s.lfs?.size ?? s.size, sha256: s.lfs?.sha256, gitBlob });
  }
  return { commit: parsed.sha, files };
}
