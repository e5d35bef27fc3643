/**
 * The catalog tests' fine-tune: acme's FLUX fine-tune billed per second on H100 (at most 60 s,
 * $0.001525 a second), added by an operator for its one owner over the admin API of any gateway
 * (in this process, or a child process's through `graphqlOverHttp`).
 */
import { graphql } from '../gql/index.ts';
import { TEST_ADMIN_TOKEN } from './app.ts';
import type { GraphQLSender } from './users.ts';

export const AddFineTuneMutation = graphql(`
  mutation AddFineTune($input: AddModelInput!) {
    addModel(input: $input) {
      id
      pricing {
        kind
        perSecondUsd
        hardware
        maxSeconds
        maxCostPerPredictionUsd
      }
    }
  }
`);

/** Adds `acme-brand-style` for `owner` (a user's global id) alone; `estimatedImageUsd` as a test needs it. */
export function addFineTune(
  admin: GraphQLSender,
  owner: { readonly id: string },
  extra: { estimatedImageUsd?: string } = {},
) {
  return admin.graphql(
    AddFineTuneMutation,
    {
      input: {
        replicateModel: 'acme/brand-style',
        slug: 'acme-brand-style',
        perSecondUsd: '0.001525',
        hardware: 'gpu-h100',
        maxSeconds: 60,
        visibleToUserIds: [owner.id],
        ...extra,
      },
    },
    TEST_ADMIN_TOKEN,
  );
}
