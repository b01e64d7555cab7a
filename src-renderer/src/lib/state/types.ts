/** Response shapes the UI renders, inferred from the contract. */
import type { ResponseOf, EventOf } from '$contract';

export type AppInfo = ResponseOf<'app.info'>;
export type Settings = ResponseOf<'settings.get'>;
export type ModelsList = ResponseOf<'models.list'>;
export type ModelInfo = ResponseOf<'models.list'>['models'][number];
export type CatalogueEntry = ResponseOf<'models.list'>['catalogue'][number];
export type AskResult = ResponseOf<'ask'>;
export type Answer = AskResult['answers'][number];
export type PassageHit = AskResult['passages'][number];
export type IndexStatus = ResponseOf<'indexing.status'>;
export type FolderProgress = IndexStatus['folders'][number];
export type DocumentStatus = ResponseOf<'indexing.documents'>['documents'][number]['status'];
export type DocumentInfo = ResponseOf<'indexing.documents'>['documents'][number];
export type PullProgress = EventOf<'modelPullProgress'>;
export type DocumentText = ResponseOf<'documents.text'>;
