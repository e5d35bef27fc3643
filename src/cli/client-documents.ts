/**
 * The terminal client's GraphQL documents, and how it sends them: by id (`documentId`; Apollo's
 * `extensions.persistedQuery` over WebSocket), since serving processes register these documents at
 * start (`built-in-documents.ts`) and a server in `TRUSTED_DOCUMENTS=enforce` runs nothing else.
 * A server that answers PERSISTED_QUERY_NOT_FOUND (`off`, or an older build) gets the text from
 * then on.
 */
import { createHash } from 'node:crypto';

const GENERATION_FIELDS = `
  id status percent phase estimatedCostUsd costUsd selectionReason
  model { id name }
  images { url position contentType width height printFile { url width height dpi } }
  error { code message }
  warning { code message }
`;

export const CLIENT_DOCUMENTS = {
  estimate: `query Estimate($input: EstimateCostInput!) { estimateCost(input: $input) { perImageUsd totalUsd } }`,
  generate: `mutation Generate($input: GenerateImageInput!) { generateImage(input: $input) { ${GENERATION_FIELDS} } }`,
  printPresets: `query PrintPresets { printPresets { id name width height dpi } }`,
  progress: `subscription Progress($id: ID!) { generationProgress(id: $id) { ${GENERATION_FIELDS} } }`,
} as const;

export type ClientDocument = keyof typeof CLIENT_DOCUMENTS;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Whether to name documents by id or send their text: ids until the server says it does not know them. */
export class DocumentSender {
  private byId = true;

  /** The request's document part over HTTP. */
  http(name: ClientDocument): { documentId: string } | { query: string } {
    const text = CLIENT_DOCUMENTS[name];
    return this.byId ? { documentId: `sha256:${sha256(text)}` } : { query: text };
  }

  /** The `subscribe` payload's document part over graphql-ws (whose `query` must be a string). */
  webSocket(name: ClientDocument): { query: string; extensions?: Record<string, unknown> } {
    const text = CLIENT_DOCUMENTS[name];
    if (!this.byId) return { query: text };
    return { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: sha256(text) } } };
  }

  /** Called with an answer's first error code; true when the request should be sent again as text. */
  retryAsText(code: unknown): boolean {
    if (code !== 'PERSISTED_QUERY_NOT_FOUND' || !this.byId) return false;
    this.byId = false;
    return true;
  }
}
