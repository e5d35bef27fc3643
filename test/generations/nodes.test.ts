/**
 * Relay: `node`/`nodes` refetch a Generation, a User and an ImageModel by global id (only what the
 * viewer may see), and the connections page by keyset cursors in both directions.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { graphql } from '../gql/index.ts';
import { TEST_ADMIN_TOKEN } from '../support/app.ts';
import { gid } from '../support/ids.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

const NodeQuery = graphql(`
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Generation {
        prompt
      }
      ... on User {
        name
      }
      ... on ImageModel {
        name
      }
    }
  }
`);

const NodesViewerIdQuery = graphql(`
  query NodesViewerId {
    viewer {
      id
    }
  }
`);

const NodesQuery = graphql(`
  query Nodes($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
    }
  }
`);

const GenerationIdQuery = graphql(`
  query GenerationId($id: ID!) {
    generation(id: $id) {
      id
    }
  }
`);

const ViewerGenerationsPageQuery = graphql(`
  query ViewerGenerationsPage($first: Int, $last: Int, $after: String, $before: String) {
    viewer {
      generations(first: $first, last: $last, after: $after, before: $before) {
        nodes {
          id
        }
        pageInfo {
          hasNextPage
          hasPreviousPage
          startCursor
          endCursor
        }
      }
    }
  }
`);

const ViewerGenerationImagesQuery = graphql(`
  query ViewerGenerationImages($first: Int) {
    viewer {
      generations(first: $first) {
        nodes {
          id
          images {
            url
            position
          }
        }
      }
    }
  }
`);

const ViewerGenerationIdsQuery = graphql(`
  query ViewerGenerationIds($first: Int) {
    viewer {
      generations(first: $first) {
        nodes {
          id
        }
      }
    }
  }
`);

const UserLedgerEntriesPageQuery = graphql(`
  query UserLedgerEntriesPage($userId: ID, $after: String) {
    ledgerEntries(userId: $userId, first: 2, after: $after) {
      edges {
        cursor
        node {
          id
          kind
          generationId
          user {
            id
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** Every SQL statement the gateway sends through kysely, while `recording`. */
const statements: string[] = [];
let recording = false;

/** The file's user (`owner`) with three generations, newest last, and a user who may see none of them. */
const test = base
  .extend('owner', { scope: 'file' }, ({ user }) => user)
  .extend('stranger', { scope: 'file' }, ({ newUser }) => newUser())
  .extend('generationIds', { scope: 'file' }, async ({ gateway, owner }) => {
    const generationIds: string[] = [];
    for (const prompt of ['one', 'two', 'three']) {
      const { generation, errors } = await gateway.generate(owner.key, { modelId: 'flux-schnell', prompt });
      expect(errors).toBeUndefined();
      generationIds.push(generation!.id);
    }
    return generationIds;
  });

test.override('setup', { gateway: { onQuery: (text) => void (recording && statements.push(text)) } });

describe('Relay nodes and connections', () => {
  test('node(id:) refetches a Generation, the viewer and an ImageModel by the ids the API gave', async ({
    app,
    owner,
    generationIds,
  }) => {
    const viewer = await app.graphql(NodesViewerIdQuery, {}, owner.key);
    const generation = await app.graphql(NodeQuery, { id: generationIds[0]! }, owner.key);
    expect(generation.data?.node).toEqual({ __typename: 'Generation', id: generationIds[0], prompt: 'one' });
    const user = await app.graphql(NodeQuery, { id: viewer.data!.viewer.id }, owner.key);
    expect(user.data?.node).toMatchObject({ __typename: 'User', id: gid('User', owner.userId) });
    const model = await app.graphql(NodeQuery, { id: 'flux-schnell' });
    expect(model.data?.node).toEqual({ __typename: 'ImageModel', id: 'flux-schnell', name: expect.any(String) });
  });

  test('node answers null for what the viewer may not see, for unknown ids and for malformed ones', async ({
    app,
    owner,
    stranger,
    generationIds,
  }) => {
    for (const [id, token] of [
      [generationIds[0], stranger.key],
      [generationIds[0], undefined],
      [gid('User', owner.userId), stranger.key],
      [gid('Generation', '00000000-0000-4000-8000-000000000000'), owner.key],
      [gid('ImageModel', 'dall-e-9'), owner.key],
      ['not a global id', owner.key],
      [owner.userId, TEST_ADMIN_TOKEN],
    ] as const) {
      const answer = await app.graphql(NodeQuery, { id: id! }, token);
      expect(answer.errors, String(id)).toBeUndefined();
      expect(answer.data?.node, String(id)).toBeNull();
    }
    // The admin sees everyone's.
    const asAdmin = await app.graphql(NodeQuery, { id: generationIds[1]! }, TEST_ADMIN_TOKEN);
    expect(asAdmin.data?.node?.id).toBe(generationIds[1]);
  });

  test('nodes(ids:) answers in order, null where nothing is visible, and refuses more than 100 ids', async ({
    app,
    owner,
    generationIds,
  }) => {
    const query = NodesQuery;
    const answer = await app.graphql(
      query,
      { ids: [generationIds[2]!, 'flux-dev', 'nope', generationIds[0]!] },
      owner.key,
    );
    expect(answer.data?.nodes.map((node) => node?.id ?? null)).toEqual([
      generationIds[2],
      'flux-dev',
      null,
      generationIds[0],
    ]);
    const tooMany = await app.graphql(query, { ids: Array.from({ length: 101 }, () => 'flux-dev') }, owner.key);
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('inputs take global ids only: a database id is NOT_FOUND', async ({ app, owner }) => {
    const byDbId = await app.graphql(GenerationIdQuery, { id: owner.userId }, owner.key);
    expect(byDbId.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const wrongType = await app.graphql(GenerationIdQuery, { id: gid('User', owner.userId) }, owner.key);
    expect(wrongType.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  test('User.generations pages backwards with last/before, and refuses a foreign cursor', async ({
    app,
    owner,
    generationIds,
  }) => {
    const page = ViewerGenerationsPageQuery;
    const all = await app.graphql(page, { first: 3 }, owner.key);
    expect(all.data?.viewer.generations.nodes.map((node) => node.id)).toEqual([...generationIds].reverse());
    const oldestTwo = await app.graphql(page, { last: 2 }, owner.key);
    expect(oldestTwo.data?.viewer.generations.nodes.map((node) => node.id)).toEqual([
      generationIds[1],
      generationIds[0],
    ]);
    expect(oldestTwo.data?.viewer.generations.pageInfo.hasPreviousPage).toBe(true);
    const newest = await app.graphql(
      page,
      { last: 5, before: oldestTwo.data!.viewer.generations.pageInfo.startCursor },
      owner.key,
    );
    expect(newest.data?.viewer.generations.nodes.map((node) => node.id)).toEqual([generationIds[2]]);
    const foreign = await app.graphql(page, { first: 1, after: 'bm90IGEgY3Vyc29y' }, owner.key);
    expect(foreign.errors?.[0]).toMatchObject({
      message: 'after is not a cursor from this list.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const tooBig = await app.graphql(page, { first: 101 }, owner.key);
    expect(tooBig.errors?.[0]?.message).toBe('first must be from 1 to 100.');
  });

  test('a page of generations loads the images of all of them in one statement', async ({
    app,
    env,
    owner,
    generationIds,
  }) => {
    for (const id of generationIds) {
      expect((await env.gateway.waitFor(owner.key, id)).status).toBe('SUCCEEDED');
    }
    /** A page's nodes (typed by the document) and the statements it took. */
    const recorded = async <N>(
      first: number,
      query: TypedDocumentNode<{ viewer: { generations: { nodes: N[] } } }, { first?: number | null }>,
    ) => {
      statements.length = 0;
      recording = true;
      try {
        const answer = await app.graphql(query, { first }, owner.key);
        expect(answer.errors).toBeUndefined();
        return { nodes: answer.data!.viewer.generations.nodes, sent: [...statements] };
      } finally {
        recording = false;
      }
    };
    await recorded(1, ViewerGenerationImagesQuery); // the API key is looked up once and cached
    const one = await recorded(1, ViewerGenerationImagesQuery);
    const three = await recorded(3, ViewerGenerationImagesQuery);
    expect(three.nodes.map((node) => node.id)).toEqual([...generationIds].reverse());
    for (const node of [...one.nodes, ...three.nodes]) expect(node.images).toHaveLength(1);
    // One read of the viewer, one of the page and one of every image on it, whatever its size.
    const reads = (sent: string[], table: string) => sent.filter((text) => text.startsWith(`select * from "${table}"`));
    for (const table of ['users', 'generations', 'images']) {
      expect(reads(one.sent, table), table).toHaveLength(1);
      expect(reads(three.sent, table), table).toHaveLength(1);
    }
    expect(reads(three.sent, 'images')[0]).toContain('in ($1, $2, $3)');
    // A page that does not ask for images does not read them.
    const bare = await recorded(3, ViewerGenerationIdsQuery);
    expect(bare.nodes).toHaveLength(3);
    expect(reads(bare.sent, 'images')).toEqual([]);
  });

  test('the admin lists are connections: ledgerEntries pages by cursor without repeating a row', async ({
    app,
    owner,
    generationIds,
  }) => {
    const query = UserLedgerEntriesPageQuery;
    const seen: string[] = [];
    let after: string | null | undefined;
    for (let i = 0; i < 10; i += 1) {
      const answer = await app.graphql(query, { userId: gid('User', owner.userId), after }, TEST_ADMIN_TOKEN);
      expect(answer.errors).toBeUndefined();
      const { edges, pageInfo } = answer.data!.ledgerEntries;
      for (const { node } of edges) {
        expect(node.user.id).toBe(gid('User', owner.userId));
        expect(generationIds).toContain(node.generationId);
        seen.push(node.id);
      }
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
